import { AmqpHealthIndicator } from '@cask/core';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CaskHealthIndicator } from './cask-health.indicator';

/** Provides {@link CaskHealthIndicator} for the host's terminus health checks; it serves no route itself. */
@Module({
  imports: [TerminusModule],
  providers: [AmqpHealthIndicator, CaskHealthIndicator],
  exports: [CaskHealthIndicator],
})
export class CaskHealthModule {}
