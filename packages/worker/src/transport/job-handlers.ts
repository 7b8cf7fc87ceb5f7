import type { JobContext } from '@cask/contracts';
import type { MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';

/** The `@JobHandler` methods Nest found, by job type, as the transport invokes them. */
export class JobHandlers {
  private readonly byType = new Map<string, MessageHandler>();

  set(type: string, handler: MessageHandler): void {
    this.byType.set(type, handler);
  }

  /** Runs the handler of `type` through Nest's pipes, guards, interceptors and filters; resolves with its result. */
  async invoke(type: string, payload: object, context: JobContext): Promise<unknown> {
    const handler = this.byType.get(type);
    if (!handler) throw new Error(`No handler for "${type}"`);
    const result: unknown = await handler(payload, context);
    return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
  }
}
