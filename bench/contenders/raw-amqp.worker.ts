import * as amqplib from 'amqplib';
import { exitWithParent, tellParent } from '../support/child-side';

/**
 * The worker half of the raw amqplib round trip: takes a job message, publishes its result (persistent,
 * confirmed) and acks the job once the broker confirmed the result. No store, no framework.
 * argv: <amqp url> <job queue> <result queue> <prefetch>
 */
async function main(): Promise<void> {
  const [url, jobQueue, resultQueue, prefetch] = process.argv.slice(2);
  const connection = await amqplib.connect(url, { noDelay: true });
  connection.on('error', () => undefined);
  const consume = await connection.createChannel();
  const publish = await connection.createConfirmChannel();
  for (const channel of [consume, publish]) channel.on('error', (err: Error) => console.error(`channel error: ${err.message}`));
  exitWithParent(() => connection.close().catch(() => undefined));
  await consume.prefetch(Number(prefetch));
  await consume.consume(
    jobQueue,
    (message) => {
      if (!message) process.exit(1);
      const job = JSON.parse(message.content.toString()) as { seq: number };
      const result = Buffer.from(JSON.stringify({ seq: job.seq, result: { attempts: 1 } }));
      publish.sendToQueue(resultQueue, result, { persistent: true }, (err) => {
        if (err) consume.nack(message);
        else consume.ack(message);
      });
    },
    { noAck: false },
  );
  tellParent({ type: 'ready' });
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
