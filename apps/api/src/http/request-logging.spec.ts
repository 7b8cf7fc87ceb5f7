import { once } from 'node:events';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { apiHttpLogger } from './request-logging';

/** A pino destination that keeps the lines written to it. */
class Lines extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString().split('\n').filter(Boolean)) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

describe('apiHttpLogger', () => {
  let server: Server;
  let lines: Lines;
  let requestLoggers: Logger[];
  let finished: Array<Promise<unknown>>;
  let url: string;

  async function listen(logLevel: 'log' | 'warn', status: (req: IncomingMessage) => number): Promise<void> {
    lines = new Lines();
    requestLoggers = [];
    finished = [];
    const log = apiHttpLogger({ logLevel, logFormat: 'json' }, lines);
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      log(req, res);
      // After the logger's own listener: once this resolves, the request's line is written.
      finished.push(once(res, 'finish'));
      requestLoggers.push((req as IncomingMessage & { log: Logger }).log);
      res.statusCode = status(req);
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Until every request so far has ended on the server (and so been logged). */
  const ended = (): Promise<unknown> => Promise.all(finished);

  afterEach(async () => {
    server.close();
    await once(server, 'close');
  });

  it('logs one line per request with its id, method, path, status and time, the credentials redacted, and gives the request a logger with its id', async () => {
    await listen('log', () => 202);

    await fetch(`${url}/jobs?x=1`, { method: 'POST', headers: { 'x-request-id': 'req-1', authorization: 'Bearer secret' } });
    await ended();

    expect(lines.lines).toEqual([
      expect.objectContaining({
        level: 'info',
        name: 'cask-api',
        request_id: 'req-1',
        req: expect.objectContaining({
          id: 'req-1',
          method: 'POST',
          url: '/jobs?x=1',
          headers: expect.objectContaining({ authorization: '[redacted]' }),
        }),
        res: { statusCode: 202 },
        responseTime: expect.any(Number),
        msg: expect.stringMatching(/^POST \/jobs\?x=1 202 in \d+ ms$/),
      }),
    ]);
    expect(requestLoggers[0].bindings()).toMatchObject({ request_id: 'req-1' });
  });

  it('logs a 503 as a warning and a 500 as an error, each with an error naming the status, and health probes not at all', async () => {
    await listen('log', (req) => (req.url === '/busy' ? 503 : 500));

    await fetch(`${url}/busy`);
    await fetch(`${url}/broken`);
    await fetch(`${url}/health/ready`);
    await ended();

    expect(lines.lines).toEqual([
      expect.objectContaining({ level: 'warn', res: { statusCode: 503 }, msg: 'GET /busy 503: failed with status code 503' }),
      expect.objectContaining({
        level: 'error',
        res: { statusCode: 500 },
        err: expect.objectContaining({ message: 'failed with status code 500' }),
        msg: 'GET /broken 500: failed with status code 500',
      }),
    ]);
  });

  it('writes nothing for requests below the level, and still what is at it', async () => {
    await listen('warn', (req) => (req.url === '/ok' ? 202 : 500));

    await fetch(`${url}/ok`);
    await fetch(`${url}/broken`);
    await ended();

    expect(lines.lines).toEqual([expect.objectContaining({ level: 'error', msg: 'GET /broken 500: failed with status code 500' })]);
    expect(requestLoggers.map((logger) => logger.bindings().request_id)).toEqual([expect.any(String), expect.any(String)]);
  });
});
