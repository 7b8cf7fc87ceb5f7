import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used, in ms; undefined if it is gone or this is not Linux. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

const SERVICES: Record<string, string[]> = { rabbitmq: ['beam.smp'], redis: ['redis-server'], postgres: ['postgres'] };

/** Pids of the local services by name (every postgres backend counts), to see what a job costs them. */
export function servicePids(): Record<string, number[]> {
  const found: Record<string, number[]> = Object.fromEntries(Object.keys(SERVICES).map((s) => [s, []]));
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return found;
  }
  for (const entry of entries) {
    let comm: string;
    try {
      comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    for (const [service, names] of Object.entries(SERVICES)) if (names.includes(comm)) found[service].push(Number(entry));
  }
  return found;
}

/** CPU used by a set of processes between `start` and the call of the function it returns, ms by role. */
export function cpuMeter(processes: Record<string, number>): () => Record<string, number> {
  // Postgres forks a backend per connection: rescan at the end so new backends count (from zero).
  const before = new Map<string, number>();
  // A service process the contender started itself (its own redis-server) counts once, under its role.
  const own = new Set(Object.values(processes));
  const sample = (): Map<string, number> => {
    const out = new Map<string, number>();
    for (const [role, pid] of Object.entries(processes)) out.set(role, cpuMs(pid) ?? Number.NaN);
    for (const [service, pids] of Object.entries(servicePids()))
      for (const pid of pids) if (!own.has(pid)) out.set(`${service}:${pid}`, cpuMs(pid) ?? 0);
    return out;
  };
  for (const [key, value] of sample()) before.set(key, value);
  return () => {
    const used: Record<string, number> = {};
    for (const [key, value] of sample()) {
      const role = key.includes(':') ? key.slice(0, key.indexOf(':')) : key;
      used[role] = (used[role] ?? 0) + (value - (before.get(key) ?? 0));
    }
    return used;
  };
}
