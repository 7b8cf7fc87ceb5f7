import { Logger } from '@nestjs/common';
import { Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the worker reports about itself. */
export interface WorkerHealth {
  ready: boolean;
  checks: Record<string, 'up' | 'down'>;
}

/**
 * The worker's only HTTP surface: `GET /health/live` and `GET /health/ready` on its own port, so an
 * orchestrator can restart a hung worker and hold traffic decisions while it recovers.
 */
export class HealthServer {
  private readonly logger = new Logger(HealthServer.name);
  private server?: Server;

  constructor(private readonly health: () => WorkerHealth) {}

  /** Listens on `port` (0: any free port) and resolves with the port. */
  async start(port: number): Promise<number> {
    const server = createServer((req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.method !== 'GET') return send(405, { error: 'Method not allowed' });
      if (req.url === '/health/live') return send(200, { status: 'ok' });
      if (req.url === '/health/ready') {
        const { ready, checks } = this.health();
        return send(ready ? 200 : 503, { status: ready ? 'ok' : 'unavailable', checks });
      }
      return send(404, { error: 'Not found' });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, resolve);
    });
    this.server = server;
    const actual = (server.address() as AddressInfo).port;
    this.logger.log(`Health endpoints on port ${actual}`);
    return actual;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
