import { AppProcess, CaskSystem, TEST_AMQP_URL, TlsTerminator, makeTestCertificates, uniqueNamespace } from '@cask/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `amqps://` to a broker whose certificate a private CA signed: trusted with AMQP_CA_FILE, refused without. */
describe('amqps with a private CA', () => {
  const broker = new URL(TEST_AMQP_URL);
  const certificates = makeTestCertificates();
  const tls = new TlsTerminator(certificates, broker.hostname, Number(broker.port || 5672));
  let amqpsUrl = '';
  let cask: CaskSystem;

  beforeAll(async () => {
    const port = await tls.start();
    amqpsUrl = `amqps://${broker.username}:${broker.password}@localhost:${port}`;
    cask = new CaskSystem('amqps', { AMQP_URL: amqpsUrl, AMQP_CA_FILE: certificates.caFile });
  });

  afterAll(async () => {
    await cask.stop();
    await tls.stop();
  });

  it('runs a job end to end with both apps on amqps, trusting the broker through AMQP_CA_FILE', async () => {
    await cask.startApi();
    await cask.startWorker();

    const [job] = await cask.waitForTerminal([await cask.dispatch('email.welcome', { email: 'tls@example.com', name: 'Tls' })]);

    expect(job.status).toBe('succeeded');
  });

  it('does not trust the broker without the CA: it never connects and says why', async () => {
    const sqlite = join(mkdtempSync(join(tmpdir(), 'cask-amqps-')), 'cask.db');
    const api = AppProcess.start('api', {
      AMQP_URL: amqpsUrl,
      CASK_NAMESPACE: uniqueNamespace('amqps-untrusted'),
      PORT: '0',
      SQLITE_PATH: sqlite,
    });
    try {
      await api.waitForLine(/self[- ]signed certificate|unable to verify|certificate/i);
      expect(api.output.join('\n')).not.toContain(`${broker.username}:${broker.password}@`);
    } finally {
      await api.stop('SIGKILL');
    }
  });
});
