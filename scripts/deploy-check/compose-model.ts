import { parseDocument } from 'yaml';
import { interpolate, VariableUse } from './interpolation';

/** A Compose service, after interpolation, with the fields the check reads. */
export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment: Record<string, string | undefined>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  ports?: (string | number | { target?: number | string })[];
  deploy?: { replicas?: number | string };
  scale?: number | string;
  stop_grace_period?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  /** Every variable the file interpolates, and how. */
  uses: VariableUse[];
}

/**
 * Parses a Compose file (YAML merge keys included, as Compose reads them) and interpolates every string
 * in it with `vars`; reports YAML and interpolation errors to `problems`.
 */
export function readCompose(text: string, vars: Readonly<Record<string, string | undefined>>, problems: string[]): ComposeFile | undefined {
  const document = parseDocument(text, { merge: true, prettyErrors: false });
  if (document.errors.length > 0) {
    problems.push(...document.errors.map((error) => `not valid YAML: ${error.message}`));
    return undefined;
  }
  const uses: VariableUse[] = [];
  const resolved = interpolateAll(document.toJS({ maxAliasCount: 1000 }), vars, uses, problems);
  if (!isRecord(resolved) || !isRecord(resolved.services)) {
    problems.push('no services');
    return undefined;
  }
  const services: Record<string, ComposeService> = {};
  for (const [name, raw] of Object.entries(resolved.services)) {
    const service = (isRecord(raw) ? raw : {}) as Record<string, unknown>;
    services[name] = { ...(service as Omit<ComposeService, 'environment'>), environment: environmentOf(service.environment) };
  }
  return { services, uses };
}

function interpolateAll(
  value: unknown,
  vars: Readonly<Record<string, string | undefined>>,
  uses: VariableUse[],
  problems: string[],
): unknown {
  if (typeof value === 'string') {
    const result = interpolate(value, vars);
    uses.push(...result.uses);
    problems.push(...result.problems);
    return result.value;
  }
  if (Array.isArray(value)) return value.map((item) => interpolateAll(item, vars, uses, problems));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateAll(item, vars, uses, problems)]));
  }
  return value;
}

/** `environment:` as a map or as a list of NAME=value; a bare NAME (taken from the shell) is undefined. */
function environmentOf(raw: unknown): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  if (Array.isArray(raw)) {
    for (const entry of raw.map(String)) {
      const equals = entry.indexOf('=');
      if (equals < 0) env[entry] = undefined;
      else env[entry.slice(0, equals)] = entry.slice(equals + 1);
    }
  } else if (isRecord(raw)) {
    for (const [key, value] of Object.entries(raw)) env[key] = value === null || value === undefined ? undefined : String(value);
  }
  return env;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The services and conditions a service waits for. */
export function dependencies(service: ComposeService): Map<string, string | undefined> {
  const deps = new Map<string, string | undefined>();
  if (Array.isArray(service.depends_on)) for (const name of service.depends_on) deps.set(name, undefined);
  else if (isRecord(service.depends_on)) {
    for (const [name, spec] of Object.entries(service.depends_on))
      deps.set(name, isRecord(spec) ? (spec.condition as string | undefined) : undefined);
  }
  return deps;
}

/** Whether the service has a healthcheck that runs something. */
export function hasHealthcheck(service: ComposeService): boolean {
  const check = service.healthcheck;
  if (!check || check.disable) return false;
  const test = check.test;
  if (typeof test === 'string') return test.trim() !== '';
  return Array.isArray(test) && test.length > 1 && test[0] !== 'NONE';
}

/** The healthcheck's command as one string, for finding the URL it requests. */
export function healthcheckText(service: ComposeService): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

/** How many containers the service runs (`deploy.replicas`, or `scale`; 1 by default). */
export function replicas(service: ComposeService): number {
  return Number(service.deploy?.replicas ?? service.scale ?? 1);
}

/** The container ports the service publishes. */
export function publishedTargets(service: ComposeService): number[] {
  return (service.ports ?? []).map((port) => {
    if (isRecord(port)) return Number(port.target);
    // [host_ip:][host_port:]container_port[/protocol]; the container port is the last field.
    const fields = String(port).split('/')[0].split(':');
    return Number(fields[fields.length - 1]);
  });
}

/** Compose durations such as 45s, 1m30s or 500ms, in ms; Compose's default stop grace is 10 s. */
export function durationMs(text: string | undefined, fallbackMs: number): number | undefined {
  if (text === undefined) return fallbackMs;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, ns: 0.000001 };
  const parts = [...String(text).matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== String(text)) return undefined;
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * units[unit], 0);
}
