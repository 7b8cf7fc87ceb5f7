import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { exitWithParent, tellParent } from '../support/child-side';

/** The HTTP ceiling: what Nest on Express costs for a JSON POST answered 202, with no work behind it. */
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
  const app = await NestFactory.create(BareModule, { logger: ['fatal', 'error', 'warn'] });
  exitWithParent(() => app.close());
  await app.listen(0, '127.0.0.1');
  tellParent({ type: 'ready', port: (app.getHttpServer().address() as AddressInfo).port });
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
