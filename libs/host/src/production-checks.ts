import { readFileSync } from 'node:fs';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { ConfigError } from './load-env';

/** Hosts a plain `amqp://` connection may reach in production: this machine only. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** How an app reaches its broker, as far as production refuses what is unsafe. */
export interface BrokerSecurity {
  /** The AMQP URL, credentials included. */
  url: string;
  /** Allows plain `amqp://` to another host (a private network the operator vouches for). */
  allowPlaintext: boolean;
}

/**
 * What makes a broker connection unfit for production, one sentence per problem, never repeating a
 * password: RabbitMQ's `guest` account (meant for localhost trials), and a plain `amqp://` connection to
 * another host (credentials and payloads in clear text) unless the operator opts in.
 */
export function brokerProblems({ url, allowPlaintext }: BrokerSecurity): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return ['AMQP_URL: must be a valid URL'];
  }
  const problems: string[] = [];
  // amqplib connects as guest when the URL names no user.
  const user = decodeURIComponent(parsed.username) || 'guest';
  if (user === 'guest') problems.push('AMQP_URL: the broker\'s "guest" account is refused in production; create a user for Cask');
  if (parsed.protocol === 'amqp:' && !LOCAL_HOSTS.has(parsed.hostname) && !allowPlaintext) {
    problems.push(
      `AMQP_URL: plain amqp:// to ${parsed.hostname} is refused in production; use amqps:// (with AMQP_CA_FILE for a private CA), or set AMQP_ALLOW_PLAINTEXT=true on a private network`,
    );
  }
  return problems;
}

/**
 * Reads `AMQP_CA_FILE`, the PEM CA bundle that verifies an `amqps://` broker's certificate.
 * @throws ConfigError naming the variable when the file cannot be read or the URL is not `amqps://`
 */
export function readBrokerCa(caFile: string | undefined, url: string): Buffer | undefined {
  if (caFile === undefined) return undefined;
  if (!url.startsWith('amqps://')) throw new ConfigError(['AMQP_CA_FILE: only used with an amqps:// AMQP_URL']);
  try {
    return readFileSync(caFile);
  } catch (err) {
    throw new ConfigError([`AMQP_CA_FILE: cannot read ${caFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
}

/**
 * Environment both apps read about running in production and reaching the broker safely. The apps' env
 * classes extend it.
 */
export class DeploymentEnv {
  /** `production` turns on the refusals of {@link brokerProblems} and each app's own. */
  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  @IsIn(['true', 'false'], { message: 'must be true or false' })
  AMQP_ALLOW_PLAINTEXT: string = 'false';

  @IsOptional()
  @IsString()
  AMQP_CA_FILE?: string;
}

/** What {@link DeploymentEnv} resolves to. */
export interface Deployment {
  production: boolean;
  /** The CA bundle for an `amqps://` broker with a private CA. */
  brokerCa?: Buffer;
}

/**
 * Resolves {@link DeploymentEnv}; in production, throws one ConfigError naming every refusal: those of
 * {@link brokerProblems} and the app's own `appProblems`.
 */
export function resolveDeployment(env: DeploymentEnv & { AMQP_URL: string }, appProblems: string[] = []): Deployment {
  const production = env.NODE_ENV === 'production';
  const brokerCa = readBrokerCa(env.AMQP_CA_FILE, env.AMQP_URL);
  if (production) {
    const problems = [...brokerProblems({ url: env.AMQP_URL, allowPlaintext: env.AMQP_ALLOW_PLAINTEXT === 'true' }), ...appProblems];
    if (problems.length > 0) throw new ConfigError(problems.map((problem) => `${problem} (NODE_ENV=production)`));
  }
  return { production, brokerCa };
}
