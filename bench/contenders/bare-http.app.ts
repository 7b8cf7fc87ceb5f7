import { Body, Controller, HttpCode, LogLevel, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { exitWithParent, tellParent } from '../support/child-side';

/**
 * The HTTP ceiling: what Nest costs for a JSON POST answered 202, with no work behind it, on Express or
 * (`BARE_PLATFORM=fastify`) on Fastify, the reference api's platform.
 */
@Controller()
class BareController {
  @Post('jobs')
  @HttpCode(202)
  create(@Body() body: { type?: string }): { status: string; job_id: string } {
    void body;
    return { status: 'queued', job_id: randomUUID() };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

async function main(): Promise<void> {
  const options = { logger: ['fatal', 'error', 'warn'] as LogLevel[] };
  const app =
    process.env.BARE_PLATFORM === 'fastify'
      ? await NestFactory.create(BareModule, new FastifyAdapter(), options)
      : await NestFactory.create(BareModule, options);
  exitWithParent(() => app.close());
  await app.listen(0, '127.0.0.1');
  tellParent({ type: 'ready', port: (app.getHttpServer().address() as AddressInfo).port });
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
