import { DynamicModule, Module } from '@nestjs/common';
import { ApiModule } from '../../apps/api/src/api.module';
import type { ApiConfig } from '../../apps/api/src/config/api-config';

/**
 * The bench's own Nest app around Cask's api module: the AsyncDispatcher, the event consumer and the job
 * store run in the bench process, where the bench calls `dispatch` as an application would.
 */
@Module({})
export class CaskBenchModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return { module: CaskBenchModule, imports: [ApiModule.forRoot(config)] };
  }
}
