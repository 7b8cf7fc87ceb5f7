export { CaskWorkerModule } from './cask-worker.module';
export type { CaskWorkerBrokerOptions, CaskWorkerModuleOptions } from './worker-options';
export { AmqpJobServer } from './transport/amqp-job.server';
export { JobHandler } from './transport/job-handler.decorator';
export { CaskWorkerHealthIndicator } from './health/cask-worker-health.indicator';
