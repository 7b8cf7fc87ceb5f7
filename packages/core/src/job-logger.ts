import type { LoggerService } from '@nestjs/common';
import type { JobLogFields } from '@cask/contracts';

/**
 * A child logger for one job: every line it writes carries the job's fields as structured properties,
 * while the message text stays what a person reads. Wraps a class's `new Logger(Class.name)`, so lines
 * keep their `context`.
 */
export class JobLogger {
  constructor(
    private readonly logger: LoggerService,
    readonly fields: JobLogFields,
  ) {}

  log(message: string): void {
    this.logger.log({ ...this.fields, msg: message });
  }

  warn(message: string): void {
    this.logger.warn({ ...this.fields, msg: message });
  }

  debug(message: string): void {
    this.logger.debug?.({ ...this.fields, msg: message });
  }

  /** @param err logged with its stack under `err` */
  error(message: string, err?: Error): void {
    this.logger.error({ ...this.fields, msg: message, ...(err ? { err } : {}) });
  }
}
