import { AppProcess, TEST_AMQP_URL, uniqueNamespace } from '@cask/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SIGNING = 'k1:cask-test-production-secret-0123456789abcdef';
const PASSWORD = 'hunter2-production-password';

/** NODE_ENV=production: the built apps refuse unsafe settings before touching the broker or the store. */
describe('Production mode', () => {
  const namespace = uniqueNamespace('production');
  const sqlite = join(mkdtempSync(join(tmpdir(), 'cask-production-')), 'cask.db');

  async function refusal(kind: 'api' | 'worker', env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const app = AppProcess.start(kind, { NODE_ENV: 'production', CASK_NAMESPACE: namespace, SQLITE_PATH: sqlite, PORT: '0', ...env });
    const code = await app.waitForExit();
    return { code, output: app.output.join('\n') };
  }

  it('the api refuses to start open, unsigned, as guest and over plain AMQP to another host, naming each and no secret', async () => {
    const { code, output } = await refusal('api', { AMQP_URL: `amqp://guest:${PASSWORD}@rabbit.example.internal:5672` });

    expect(code).toBe(1);
    for (const problem of [
      'AMQP_URL: the broker\'s "guest" account is refused in production',
      'AMQP_URL: plain amqp:// to rabbit.example.internal is refused in production',
      'CASK_API_KEYS: required; the api refuses to run open',
      'CASK_SIGNING_KEYS: required',
    ]) {
      expect(output).toContain(problem);
    }
    expect(output).not.toContain(PASSWORD);
  });

  it('the worker refuses guest and unsigned messages the same way', async () => {
    const { code, output } = await refusal('worker', { AMQP_URL: TEST_AMQP_URL });

    expect(code).toBe(1);
    expect(output).toContain('AMQP_URL: the broker\'s "guest" account is refused in production');
    expect(output).toContain('CASK_SIGNING_KEYS: required');
  });

  it('starts with keys, signing and a broker user of its own, and says its health while it waits for that broker', async () => {
    // No such user on the test broker: the api starts, keeps trying to connect and reports not ready.
    const api = AppProcess.start('api', {
      NODE_ENV: 'production',
      CASK_NAMESPACE: namespace,
      SQLITE_PATH: sqlite,
      PORT: '0',
      AMQP_URL: `amqp://cask-nobody:${PASSWORD}@127.0.0.1:5672`,
      CASK_API_KEYS: 'acme:write:cask_test_key_production_0123456789',
      CASK_SIGNING_KEYS: SIGNING,
    });
    try {
      const line = await api.waitForLine(/listening on port \d+/);
      const port = /listening on port (\d+)/.exec(line)?.[1];
      const live = await fetch(`http://127.0.0.1:${port}/health/live`);
      expect(live.status).toBe(200);
      await live.arrayBuffer();
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(503);
      await ready.arrayBuffer();
      const jobs = await fetch(`http://127.0.0.1:${port}/jobs`);
      expect(jobs.status).toBe(401);
      await jobs.arrayBuffer();
      expect(api.output.join('\n')).not.toContain(PASSWORD);
      // Production logs are JSON, one object per line.
      expect(api.jsonLines().length).toBeGreaterThan(0);
    } finally {
      await api.stop('SIGKILL');
    }
  });
});
