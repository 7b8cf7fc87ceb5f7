/** Where the tests find RabbitMQ and PostgreSQL; override with TEST_AMQP_URL / TEST_DATABASE_URL. */
export const TEST_AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
