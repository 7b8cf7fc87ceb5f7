export * from './amqp-connection';
export * from './amqp-consumer';
export * from './confirm-publisher';
export * from './dead-letter';
export * from './group-commit';
export * from './managed-channel';
export * from './topology';
export * from './authenticity';
