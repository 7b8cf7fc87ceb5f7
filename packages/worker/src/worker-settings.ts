import type { SigningKey } from '@cask/contracts';
import { hostname } from 'node:os';
import type { CaskWorkerModuleOptions } from './worker-options';

/** The worker's options with every default filled in, as its components read them. */
export class WorkerSettings {
  workerId: string;
  concurrency: number;
  /** Undefined: every queue of the catalogue. */
  queues?: readonly string[];
  typeConcurrency: ReadonlyMap<string, number>;
  rateLimits: ReadonlyMap<string, number>;
  heartbeatMs: number;
  startedEventDelayMs: number;
  shutdownGraceMs: number;
  packSplitMs: number;
  confirmTimeoutMs: number;
  signingKeys: readonly SigningKey[];
}

/** What the pool plan reads of the settings. */
export type PoolSettings = Pick<WorkerSettings, 'concurrency' | 'queues' | 'typeConcurrency' | 'rateLimits'>;

export function workerSettings(options: CaskWorkerModuleOptions): WorkerSettings {
  return {
    workerId: options.workerId ?? `${hostname()}-${process.pid}`,
    concurrency: options.concurrency ?? 16,
    queues: options.queues === undefined ? undefined : [...new Set(options.queues)],
    typeConcurrency: new Map(Object.entries(options.typeConcurrency ?? {})),
    rateLimits: new Map(Object.entries(options.rateLimits ?? {})),
    heartbeatMs: options.heartbeatMs ?? 5000,
    startedEventDelayMs: options.startedEventDelayMs ?? 20,
    shutdownGraceMs: options.shutdownGraceMs ?? 30_000,
    packSplitMs: options.packSplitMs ?? 1000,
    confirmTimeoutMs: options.broker.confirmTimeoutMs ?? 10_000,
    signingKeys: options.signingKeys ?? [],
  };
}
