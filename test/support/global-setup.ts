import { reachable } from './reachable';
import { TEST_AMQP_URL, TEST_DATABASE_URL } from './services';

/** The tests need a real broker and database: fail at once, saying how to start them, never skip. */
export default async function globalSetup(): Promise<void> {
  const problems: string[] = [];
  if (!(await reachable(TEST_AMQP_URL, 5672))) {
    problems.push(
      `RabbitMQ is not reachable at ${new URL(TEST_AMQP_URL).host}. Start it with \`rabbitmq-server -detached\` ` +
        '(or `docker compose up -d rabbitmq`), or point TEST_AMQP_URL at one.',
    );
  }
  if (!(await reachable(TEST_DATABASE_URL, 5432))) {
    problems.push(
      `PostgreSQL is not reachable at ${new URL(TEST_DATABASE_URL).host}. Start it with ` +
        '`pg_ctlcluster 15 main start` (or `docker compose up -d postgres`), or point TEST_DATABASE_URL at one.',
    );
  }
  if (problems.length > 0) throw new Error(`Cannot run the tests:\n  ${problems.join('\n  ')}`);
}
