import { ConfigError } from '@cask/contracts';
import { APP_CONFIG, AppName, AppRuntime, BuildOutput, RUNTIME_KEYS, appConfigKeys } from './app-settings';
import {
  ComposeFile,
  ComposeService,
  dependencies,
  durationMs,
  hasHealthcheck,
  healthcheckText,
  publishedTargets,
  readCompose,
  replicas,
} from './compose-model';
import { appOfCommand, ImageFacts } from './image-command';
import { ENV_EXAMPLE, documents, readEnvExample } from './env-example';
import type { RepoFiles } from './repo-files';

export const COMPOSE_FILE = 'docker-compose.yml';

/**
 * Variables a Compose deployment must give each app. The api refuses to start in production without
 * API keys; signing keys because without them any account that can publish on the vhost can make
 * workers run jobs Cask never dispatched (README "Guarantees", 3).
 */
export const REQUIRED_IN_COMPOSE: Readonly<Record<AppName, readonly string[]>> = {
  api: ['CASK_API_KEYS', 'CASK_SIGNING_KEYS'],
  worker: ['CASK_SIGNING_KEYS'],
};

/** Set the same on every app service, or api and workers talk past each other. */
const SHARED_KEYS = ['CASK_NAMESPACE', 'CASK_SIGNING_KEYS', 'JOB_RATE_LIMITS'];

/**
 * Values the check interpolates for variables that .env.example leaves for the user to fill, so the
 * apps' own config rules can run on the result. Only the format matters.
 */
const SAMPLE_VALUES: Readonly<Record<string, string>> = {
  CASK_API_KEYS: `compose:write:${'k'.repeat(40)}`,
  CASK_SIGNING_KEYS: `k1:${'s'.repeat(40)}`,
};
const SAMPLE_FALLBACK = 'sample0value';

const LOCAL_HOSTS = ['localhost', '127.0.0.1', '::1', '[::1]'];

interface AppService {
  name: string;
  app: AppName;
  service: ComposeService;
  env: Record<string, string | undefined>;
}

/** Checks docker-compose.yml against the image, the apps' settings and .env.example. */
export function checkCompose(repo: RepoFiles, image: ImageFacts | undefined, outputs: readonly BuildOutput[], problems: string[]): void {
  const text = repo.read(COMPOSE_FILE);
  const report = (problem: string): void => void problems.push(`${COMPOSE_FILE}: ${problem}`);
  if (text === undefined) return report('missing');
  const compose = readComposeAsUsed(repo, text, report);
  if (!compose) return;
  const { services } = compose;

  const rabbit = Object.entries(services).filter(([, service]) => /^rabbitmq(:|$)/.test(service.image ?? ''));
  if (rabbit.length === 0) report('no RabbitMQ service (image rabbitmq:4.<minor>-management)');
  for (const [name, service] of rabbit) {
    if (!/^rabbitmq:4(\.\d+){0,2}-management(-alpine)?$/.test(service.image ?? '')) {
      report(`service "${name}": image ${service.image} is not RabbitMQ 4.x with the management plugin (rabbitmq:4.<minor>-management)`);
    }
  }
  const postgres = Object.entries(services).filter(([, service]) => /^postgres(:|$)/.test(service.image ?? ''));
  if (postgres.length === 0) report('no PostgreSQL service: several api instances need it (image postgres:<major>)');
  for (const [name, service] of [...rabbit, ...postgres]) {
    if (!hasHealthcheck(service)) report(`service "${name}" has no healthcheck, so nothing can wait until it is ready`);
  }
  for (const [name, service] of Object.entries(services)) {
    for (const [dependency, condition] of dependencies(service)) {
      if (!services[dependency]) report(`service "${name}" depends on "${dependency}", which is not a service`);
      else if (condition === 'service_healthy' && !hasHealthcheck(services[dependency])) {
        report(`service "${name}" waits for "${dependency}" to be healthy, but "${dependency}" has no healthcheck`);
      }
    }
  }
  if (!image) return;

  const apps = appServices(services, image, outputs, report);
  const count = (app: AppName) => apps.filter((entry) => entry.app === app).reduce((sum, entry) => sum + replicas(entry.service), 0);
  if (count('api') < 1) report('no api service');
  if (count('worker') < 2) report(`${count('worker')} worker container(s): run at least two (deploy.replicas: 2, or two services)`);

  const keys = { api: appConfigKeys(repo, 'api'), worker: appConfigKeys(repo, 'worker') };
  for (const entry of apps) checkAppService(entry, services, keys[entry.app], count('api'), report);
  for (const key of SHARED_KEYS) {
    const values = new Set(apps.map((entry) => entry.env[key] ?? ''));
    if (values.size > 1)
      report(`${key} differs between ${apps.map((entry) => `"${entry.name}"`).join(', ')}: every api and worker needs the same`);
  }
}

/**
 * Interpolates the file as `docker compose` would with a .env copied from .env.example and its
 * required values filled in; every variable it uses must be documented there.
 */
function readComposeAsUsed(repo: RepoFiles, text: string, report: (problem: string) => void): ComposeFile | undefined {
  const example = readEnvExample(repo);
  const vars: Record<string, string> = { ...Object.fromEntries(example.commented), ...Object.fromEntries(example.set) };
  const undocumented = new Set<string>();
  for (const use of readCompose(text, {}, [])?.uses ?? []) {
    if (!documents(example, use.name)) {
      undocumented.add(use.name);
      continue;
    }
    if (use.required && !vars[use.name]) vars[use.name] = SAMPLE_VALUES[use.name] ?? SAMPLE_FALLBACK;
  }
  for (const name of undocumented) report(`uses \${${name}}, which ${ENV_EXAMPLE} does not mention: document it there`);
  const problems: string[] = [];
  const compose = readCompose(text, vars, problems);
  for (const problem of problems) report(problem);
  return compose;
}

/** The services that run an app of the image, with the environment each container gets. */
function appServices(
  services: Record<string, ComposeService>,
  image: ImageFacts,
  outputs: readonly BuildOutput[],
  report: (problem: string) => void,
): AppService[] {
  const builtImages = new Set(
    Object.values(services)
      .filter((service) => service.build !== undefined)
      .map((service) => service.image),
  );
  const result: AppService[] = [];
  for (const [name, service] of Object.entries(services)) {
    if (service.build === undefined && !(service.image && builtImages.has(service.image))) continue;
    const command = typeof service.command === 'string' ? service.command.split(/\s+/) : (service.command ?? []);
    const output = appOfCommand(image, command, outputs);
    if (!output || !(output.app in APP_CONFIG)) {
      report(
        `service "${name}": command ${JSON.stringify(service.command ?? image.cmd)} starts no app the build produces (${outputs.map((o) => o.main).join(', ')})`,
      );
      continue;
    }
    result.push({ name, app: output.app as AppName, service, env: { ...image.env, ...service.environment } });
  }
  return result;
}

function checkAppService(
  entry: AppService,
  services: Record<string, ComposeService>,
  keys: Set<string>,
  apiCount: number,
  report: (problem: string) => void,
): void {
  const { name, app, service, env } = entry;
  const at = `service "${name}" (${app})`;
  for (const key of Object.keys(service.environment)) {
    if (!keys.has(key) && !RUNTIME_KEYS.includes(key)) {
      report(`${at}: ${key} is not a setting of the ${app} (${APP_CONFIG[app].file})`);
    }
  }
  for (const key of REQUIRED_IN_COMPOSE[app]) {
    if (!env[key]) report(`${at}: ${key} is not set`);
  }

  const hosts = new Set<string>();
  const amqp = parseUrl(env.AMQP_URL);
  if (!amqp) report(`${at}: AMQP_URL is not set to a URL of the broker service`);
  else {
    hosts.add(amqp.hostname);
    if (decodeURIComponent(amqp.username || 'guest') === 'guest')
      report(`${at}: AMQP_URL uses RabbitMQ's guest account, which the apps refuse in production`);
    if (amqp.protocol === 'amqp:' && !LOCAL_HOSTS.includes(amqp.hostname) && env.AMQP_ALLOW_PLAINTEXT !== 'true') {
      report(`${at}: AMQP_URL is plain amqp:// to ${amqp.hostname}: set AMQP_ALLOW_PLAINTEXT=true (private network) or use amqps://`);
    }
  }
  if (app === 'api') {
    const database = parseUrl(env.DATABASE_URL);
    if (database) hosts.add(database.hostname);
    else if (apiCount > 1) report(`${at}: ${apiCount} api containers without DATABASE_URL: SQLite serves one api only`);
  }
  const deps = dependencies(service);
  for (const host of hosts) {
    if (LOCAL_HOSTS.includes(host)) report(`${at}: a URL points at ${host}, which inside a container is the container itself`);
    else if (!services[host]) report(`${at}: a URL points at host "${host}", which is not a service of this file`);
    else if (deps.get(host) !== 'service_healthy')
      report(`${at}: does not wait for "${host}" (depends_on: ${host}: condition: service_healthy)`);
  }

  let runtime: AppRuntime;
  try {
    runtime = APP_CONFIG[app].load(env as NodeJS.ProcessEnv);
  } catch (err) {
    const detail = err instanceof ConfigError ? err.problems.join('; ') : (err as Error).message;
    return report(`${at}: the ${app} would refuse this environment: ${detail}`);
  }
  if (!hasHealthcheck(service)) report(`${at}: no healthcheck`);
  else {
    const url = /https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)(\/[^\s'"`)]*)/.exec(healthcheckText(service));
    if (!url) report(`${at}: the healthcheck requests no http://127.0.0.1:<port>/health/ready`);
    else {
      if (runtime.healthPort === 0) report(`${at}: its health port is 0 (a random one), so the healthcheck cannot reach it`);
      else if (Number(url[1]) !== runtime.healthPort)
        report(`${at}: the healthcheck requests port ${url[1]}, but the ${app} serves health on ${runtime.healthPort}`);
      if (!['/health/ready', '/health/live'].includes(url[2])) report(`${at}: the healthcheck requests ${url[2]}, not /health/ready`);
    }
  }
  for (const target of publishedTargets(service)) {
    if (target !== runtime.healthPort) report(`${at}: publishes container port ${target}, but the ${app} listens on ${runtime.healthPort}`);
  }
  const graceMs = durationMs(service.stop_grace_period, 10_000);
  if (graceMs === undefined) report(`${at}: stop_grace_period "${service.stop_grace_period}" is not a duration`);
  else if (graceMs <= runtime.shutdownGraceMs) {
    report(
      `${at}: stop_grace_period (${graceMs} ms) does not exceed the ${app}'s shutdown grace (${runtime.shutdownGraceMs} ms): Compose would kill it mid-shutdown`,
    );
  }
}

function parseUrl(text: string | undefined): URL | undefined {
  if (!text) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
