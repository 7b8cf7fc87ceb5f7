import autocannon from 'autocannon';
import { Agent, IncomingMessage, request } from 'node:http';
import type { RunResult } from '../contender';
import { now } from './clock';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs a JSON body over a keep-alive pool; resolves with the status, the body and when it ended. */
export function postJson(url: string, body: string): Promise<{ status: number; body: string; at: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), at: now() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A server-sent event stream, parsed as it arrives; resolves once the server answered 200. */
export function openEventStream(url: string, onEvent: (event: string, data: string) => void): Promise<{ close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream' } }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        reject(new Error(`${url} answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) onEvent(event, data);
        }
      });
      res.on('error', () => undefined);
      resolve({ close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

/** What autocannon measured for a fixed number of POSTs. */
export interface LoadResult {
  startedAt: number;
  endedAt: number;
  ok: number;
  non2xx: number;
  errors: number;
  p50: number;
  p99: number;
}

/** The HTTP figures of a run's result from its load (requests/s among them). */
export function httpFigures(load: LoadResult, connections: number): NonNullable<RunResult['http']> {
  return {
    requestsPerSecond: (load.ok * 1000) / (load.endedAt - load.startedAt),
    non2xx: load.non2xx,
    errors: load.errors,
    p50: load.p50,
    p99: load.p99,
    connections,
  };
}

/** Sends `amount` POSTs (or POSTs for `duration` seconds) with `connections` connections as fast as the server answers. */
export async function hammer(
  url: string,
  body: string,
  size: { amount: number } | { duration: number },
  connections: number,
): Promise<LoadResult> {
  const startedAt = now();
  let endedAt = startedAt;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, ...size },
      (err, res) => (err ? reject(err as Error) : resolve(res)),
    );
    // autocannon notices it is done only at its next one-second sample: time the last response instead.
    instance.on('response', () => {
      endedAt = now();
    });
  });
  return {
    startedAt,
    endedAt,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}
