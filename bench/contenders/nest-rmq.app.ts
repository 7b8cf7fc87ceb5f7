import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MicroserviceOptions, Payload, RmqContext, Transport } from '@nestjs/microservices';
import type { Channel, Message } from 'amqplib';
import { exitWithParent, tellParent } from '../support/child-side';
import { CompletionProbe } from '../support/completion-probe';

const probe = new CompletionProbe();

@Controller()
class JobHandler {
  @EventPattern('bench.job')
  handle(@Payload() data: { seq: number }, @Ctx() context: RmqContext): void {
    (context.getChannelRef() as Channel).ack(context.getMessage() as Message);
    probe.record(data.seq);
  }
}

@Module({ controllers: [JobHandler] })
class NestRmqModule {}

/**
 * The NestJS RMQ transport made durable: durable queue, persistent messages, manual ack; everything
 * else as Nest ships it. argv: <amqp url> <queue> <prefetch>
 */
async function main(): Promise<void> {
  const [url, queue, prefetch] = process.argv.slice(2);
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(NestRmqModule, {
    transport: Transport.RMQ,
    options: { urls: [url], queue, queueOptions: { durable: true }, noAck: false, prefetchCount: Number(prefetch), persistent: true },
    logger: ['fatal', 'error', 'warn'],
  });
  exitWithParent(() => app.close());
  await app.listen();
  tellParent({ type: 'ready' });
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
