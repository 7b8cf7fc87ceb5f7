import { Client } from 'pg';

/**
 * A node-postgres Client class for a library's pool (its `Client` option) that calls `onAnswered` with the
 * parameters of each statement matching `statement` once the server has answered it without error. For a
 * statement outside a transaction that is when its change is committed: the bench sees a job library's own
 * completion write land, without a query or a trigger of its own.
 */
export function observingClient(statement: RegExp, onAnswered: (values: readonly unknown[]) => void): typeof Client {
  return class ObservingClient extends Client {
    // Every form of query(): (text | config, values?, callback?), with the callback last when there is one.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    override query(...args: any[]): any {
      const [first, second] = args;
      const text: unknown = typeof first === 'string' ? first : first?.text;
      if (typeof text !== 'string' || !statement.test(text)) return Reflect.apply(Client.prototype.query, this, args);
      const values: unknown[] = Array.isArray(second) ? second : Array.isArray(first?.values) ? first.values : [];
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        const callback = args[last] as (err: Error | null, result: unknown) => void;
        args[last] = (err: Error | null, result: unknown) => {
          if (!err) onAnswered(values);
          callback(err, result);
        };
        return Reflect.apply(Client.prototype.query, this, args);
      }
      return (Reflect.apply(Client.prototype.query, this, args) as Promise<unknown>).then((result) => {
        onAnswered(values);
        return result;
      });
    }
  };
}
