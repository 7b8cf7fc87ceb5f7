export * from './amqp-health.indicator';
export * from './broker-metrics';
export * from './metrics-registry';
export * from './metrics.controller';
export * from './public-route';
