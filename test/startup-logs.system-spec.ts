import { CaskSystem } from '@cask/testing';

const FRAMEWORK = ['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication', 'NestMicroservice'];

/**
 * What the apps print as they start (issue 13, items 5 and 6): every line through pino, warnings included;
 * one line per app with its port, broker, store and queues; Nest's module and route lines only at debug.
 */
describe('start-up logs', () => {
  const cask = new CaskSystem('startlogs', { LOG_FORMAT: 'json' });

  beforeAll(async () => {
    await cask.startWorker();
    await cask.startApi();
  });

  afterAll(() => cask.stop());

  it('are pino lines, one start-up line per app, without Nest module and route lines', () => {
    for (const app of [cask.api, cask.worker]) {
      // Every line is a JSON object: nothing is printed by another logger before pino exists.
      expect(app?.output.filter((line) => !line.startsWith('{'))).toEqual([]);
      expect(app?.jsonLines().filter((line) => FRAMEWORK.includes(String(line.context)))).toEqual([]);
    }
    const api = cask.api?.jsonLines() ?? [];
    const started = api.filter((line) => String(line.msg).startsWith('Cask api listening on port'));
    expect(started).toHaveLength(1);
    expect(started[0].msg).toMatch(
      /^Cask api listening on port \d+: broker amqp:\/\/[^ ]+, store SQLite .+cask\.db, 6 job types on queues default, video, webhooks;/,
    );
    expect(JSON.stringify(api)).not.toMatch(/guest:guest@/);
    expect(api.filter((line) => line.level === 'warn').map((line) => line.msg)).toEqual(
      expect.arrayContaining([expect.stringContaining('CASK_API_KEYS is not set')]),
    );
    const worker = cask.worker?.jsonLines() ?? [];
    expect(
      worker.filter((line) =>
        /^Cask worker \S+: broker amqp:\/\/\S+, queues default, video, webhooks, concurrency \d+; health endpoints on port \d+/.test(
          String(line.msg),
        ),
      ),
    ).toHaveLength(1);
    expect(api.length + worker.length).toBeLessThan(16);
  });

  it("shows Nest's lines at LOG_LEVEL=debug", async () => {
    const verbose = new CaskSystem('startlogsdebug', { LOG_FORMAT: 'json', LOG_LEVEL: 'debug' });
    try {
      await verbose.startApi();
      expect(verbose.api?.jsonLines().some((line) => line.context === 'RouterExplorer' && line.level === 'debug')).toBe(true);
    } finally {
      await verbose.stop();
    }
  });
});
