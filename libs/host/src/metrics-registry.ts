import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A metrics registry of its own for one app instance, holding prom-client's default process and Node.js
 * metrics: apps never use prom-client's global registry, so several in one process (tests) never clash.
 * Provide it under the `Registry` class, which {@link MetricsController} injects.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
