import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ALERT_RULES } from './alert-rules-check';
import { checkDeploy } from './check-deploy';
import { COMPOSE_FILE } from './compose-check';
import { DOCKERFILE } from './dockerfile-check';
import { diskRepo, overlayRepo } from './repo-files';

const repo = diskRepo(resolve(__dirname, '../..'));

function real(path: string): string {
  const text = repo.read(path);
  if (text === undefined) throw new Error(`${path} is missing`);
  return text;
}

/** `path` with `from` replaced; throws when `from` is absent, so a stale mutation cannot pass unnoticed. */
function replaced(path: string, from: string | RegExp, to: string): Record<string, string> {
  const text = real(path);
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`${path} does not contain ${from}`);
  return { [path]: changed };
}

/** docker-compose.yml edited as YAML, its anchors and merge keys kept. */
function compose(edit: (doc: ReturnType<typeof parseDocument>) => void): Record<string, string> {
  const doc = parseDocument(real(COMPOSE_FILE), { merge: true });
  edit(doc);
  return { [COMPOSE_FILE]: doc.toString() };
}

function problemsWith(files: Record<string, string | null>): string[] {
  return checkDeploy(overlayRepo(repo, files));
}

describe('checkDeploy', () => {
  it('passes the repository as it is', () => {
    expect(checkDeploy(repo)).toEqual([]);
  });

  describe('docker-compose.yml', () => {
    it.each<[string, Record<string, string>, string]>([
      [
        'a service without healthcheck',
        compose((doc) => doc.deleteIn(['services', 'rabbitmq', 'healthcheck'])),
        'service "rabbitmq" has no healthcheck',
      ],
      [
        'PostgreSQL without healthcheck',
        compose((doc) => doc.deleteIn(['services', 'postgres', 'healthcheck'])),
        'service "postgres" has no healthcheck',
      ],
      [
        'a worker without healthcheck',
        compose((doc) => doc.deleteIn(['services', 'worker', 'healthcheck'])),
        'service "worker" (worker): no healthcheck',
      ],
      [
        'only one worker',
        compose((doc) => doc.setIn(['services', 'worker', 'deploy', 'replicas'], 1)),
        '1 worker container(s): run at least two',
      ],
      [
        'RabbitMQ 3',
        compose((doc) => doc.setIn(['services', 'rabbitmq', 'image'], 'rabbitmq:3.13-management')),
        'image rabbitmq:3.13-management is not RabbitMQ 4.x',
      ],
      [
        'RabbitMQ without management',
        compose((doc) => doc.setIn(['services', 'rabbitmq', 'image'], 'rabbitmq:4.1')),
        'image rabbitmq:4.1 is not RabbitMQ 4.x with the management plugin',
      ],
      [
        'an app that does not wait for its broker to be healthy',
        compose((doc) => doc.setIn(['services', 'worker', 'depends_on'], doc.createNode(['rabbitmq']))),
        'service "worker" (worker): does not wait for "rabbitmq"',
      ],
      [
        'an api that does not wait for its database',
        compose((doc) => doc.deleteIn(['services', 'api', 'depends_on', 'postgres'])),
        'service "api" (api): does not wait for "postgres"',
      ],
      [
        'an unknown environment key',
        compose((doc) => doc.setIn(['services', 'worker', 'environment', 'WORKER_CONCURENCY'], '8')),
        'service "worker" (worker): WORKER_CONCURENCY is not a setting of the worker',
      ],
      [
        'a value the app refuses',
        compose((doc) => doc.setIn(['services', 'worker', 'environment', 'WORKER_CONCURRENCY'], '0')),
        'the worker would refuse this environment: WORKER_CONCURRENCY: must be at least 1',
      ],
      [
        'a healthcheck on another port than the app serves',
        compose((doc) => doc.setIn(['services', 'worker', 'environment', 'WORKER_HEALTH_PORT'], '3002')),
        'the healthcheck requests port 3001, but the worker serves health on 3002',
      ],
      [
        'a published port the api does not listen on',
        compose((doc) => doc.setIn(['services', 'api', 'ports'], doc.createNode(['3000:8080']))),
        'publishes container port 8080, but the api listens on 3000',
      ],
      [
        'a command that starts no built file',
        compose((doc) => doc.setIn(['services', 'worker', 'command'], doc.createNode(['node', 'dist/worker/main.js']))),
        'service "worker": command ["node","dist/worker/main.js"] starts no app the build produces',
      ],
      [
        'an api without API keys',
        compose((doc) => doc.deleteIn(['services', 'api', 'environment', 'CASK_API_KEYS'])),
        'service "api" (api): CASK_API_KEYS is not set',
      ],
      [
        "the broker's guest account",
        compose((doc) => doc.setIn(['x-cask-env', 'AMQP_URL'], 'amqp://guest:guest@rabbitmq:5672')),
        "AMQP_URL uses RabbitMQ's guest account",
      ],
      [
        'plain amqp:// without the opt-in',
        compose((doc) => doc.deleteIn(['x-cask-env', 'AMQP_ALLOW_PLAINTEXT'])),
        'AMQP_URL is plain amqp:// to rabbitmq: set AMQP_ALLOW_PLAINTEXT=true',
      ],
      [
        'a broker URL naming no service',
        compose((doc) => doc.setIn(['x-cask-env', 'AMQP_URL'], 'amqp://cask:pw@broker:5672')),
        'a URL points at host "broker", which is not a service of this file',
      ],
      [
        'signing keys that differ between apps',
        compose((doc) => doc.setIn(['services', 'worker', 'environment', 'CASK_SIGNING_KEYS'], `k2:${'x'.repeat(40)}`)),
        'CASK_SIGNING_KEYS differs between',
      ],
      [
        'a stop grace shorter than the shutdown grace',
        compose((doc) => doc.setIn(['services', 'worker', 'stop_grace_period'], '30s')),
        "stop_grace_period (30000 ms) does not exceed the worker's shutdown grace (30000 ms)",
      ],
      [
        'a variable .env.example does not document',
        compose((doc) => doc.setIn(['services', 'worker', 'environment', 'LOG_LEVEL'], '${CASK_WORKER_LOG:-log}')),
        'uses ${CASK_WORKER_LOG}, which .env.example does not mention',
      ],
      [
        'a lone $ Compose would reject',
        replaced(COMPOSE_FILE, 'process.exit(r.ok ? 0 : 1)', 'process.exit($(r.ok) ? 0 : 1)'),
        'a "$" that starts no variable',
      ],
      ['YAML that does not parse', { [COMPOSE_FILE]: 'services:\n  api: [unclosed\n' }, `${COMPOSE_FILE}: not valid YAML`],
    ])('fails on %s', (_, files, expected) => {
      const problems = problemsWith(files);
      expect(problems.join('\n')).toContain(expected);
    });

    it('fails when the file is missing', () => {
      expect(problemsWith({ [COMPOSE_FILE]: null })).toContain(`${COMPOSE_FILE}: missing`);
    });
  });

  describe('Dockerfile', () => {
    it.each<[string, Record<string, string | null>, string]>([
      ['a final stage without USER', replaced(DOCKERFILE, /^USER node\n/m, ''), 'the final stage sets no USER, so the apps run as root'],
      ['a final stage running as root', replaced(DOCKERFILE, /^USER node$/m, 'USER root'), 'the final stage runs as root (USER root)'],
      [
        'a COPY of a file the repository lacks',
        replaced(DOCKERFILE, 'tsconfig.packages.json nest-cli.json ./', 'tsconfig.prod.json nest-cli.json ./'),
        'COPY tsconfig.prod.json: no such file or folder in the repository',
      ],
      [
        'a COPY of a file .dockerignore leaves out',
        replaced('.dockerignore', /^\.env$/m, '.env\n.npmrc'),
        'COPY .npmrc: .dockerignore leaves it out of the build context',
      ],
      ['no .dockerignore', { '.dockerignore': null }, 'no .dockerignore'],
      [
        'a single stage',
        {
          [DOCKERFILE]:
            'FROM node:20-bookworm-slim\nENV NODE_ENV=production\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nUSER node\nCMD ["node", "dist/apps/api/main.js"]\n',
        },
        'one stage only',
      ],
      ['no NODE_ENV=production', replaced(DOCKERFILE, /^ENV NODE_ENV=production\n/m, ''), 'does not set ENV NODE_ENV=production'],
      ['npm install instead of npm ci', replaced(DOCKERFILE, 'RUN npm ci\n', 'RUN npm install\n'), '"npm install": use npm ci'],
      [
        'dev dependencies in the final image',
        replaced(DOCKERFILE, '--from=prod-deps /app/node_modules', '--from=build /app/node_modules'),
        'copies node_modules from "build", which installs dev dependencies too',
      ],
      [
        'a COPY --from naming no stage',
        replaced(DOCKERFILE, '--from=prod-deps', '--from=deps'),
        'COPY --from=deps: no stage "deps" before it',
      ],
      [
        'a final stage on another Node',
        replaced(DOCKERFILE, 'FROM node:20-bookworm-slim AS runtime', 'FROM node:22-bookworm-slim AS runtime'),
        'native addons need the same Node',
      ],
      [
        'an entrypoint running a file the build does not produce',
        replaced('deploy/docker-entrypoint.sh', 'dist/apps/worker/main.js', 'dist/worker/main.js'),
        'runs "dist/worker/main.js" for "worker", which the build does not produce',
      ],
      ['a default command that starts no app', replaced(DOCKERFILE, 'CMD ["api"]', 'CMD ["apj"]'), 'the default command'],
    ])('fails on %s', (_, files, expected) => {
      const problems = problemsWith(files);
      expect(problems.join('\n')).toContain(expected);
    });
  });

  describe(ALERT_RULES, () => {
    it.each<[string, Record<string, string | null>, string]>([
      ['a rule without "for"', replaced(ALERT_RULES, /^ {8}for: 2m\n/m, ''), 'CaskInstanceDown: "for" is missing'],
      [
        'a rule without severity',
        replaced(ALERT_RULES, /^ {10}severity: critical\n/m, '          team: ops\n'),
        'CaskInstanceDown: no labels.severity',
      ],
      [
        'a rule without summary',
        replaced(ALERT_RULES, /^ {10}summary: "\{\{ \$labels\.job \}\} \{\{ \$labels\.instance \}\} cannot be scraped"\n/m, ''),
        'CaskInstanceDown: no annotations.summary',
      ],
      [
        'an expression that does not parse',
        replaced(ALERT_RULES, 'expr: max(cask_outbox_backlog) > 8000', 'expr: max(cask_outbox_backlog > 8000'),
        'CaskOutboxNearlyFull: expr is not valid PromQL',
      ],
      [
        'a metric Cask does not export',
        replaced(ALERT_RULES, 'expr: cask_broker_connected == 0', 'expr: cask_broker_up == 0'),
        'CaskBrokerDisconnected: cask_broker_up is not a metric Cask exports',
      ],
      ['a file that is not YAML', { [ALERT_RULES]: 'groups: [\n' }, `${ALERT_RULES}: not valid YAML`],
      ['a missing file', { [ALERT_RULES]: null }, `${ALERT_RULES}: missing`],
    ])('fails on %s', (_, files, expected) => {
      const problems = problemsWith(files);
      expect(problems.join('\n')).toContain(expected);
    });

    it('accepts histogram series of known metrics', () => {
      const problems = problemsWith(
        replaced(ALERT_RULES, 'expr: cask_broker_connected == 0', 'expr: rate(cask_job_duration_seconds_count[5m]) == 0'),
      );
      expect(problems).toEqual([]);
    });
  });
});
