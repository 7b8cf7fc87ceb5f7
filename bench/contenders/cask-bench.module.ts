import { CaskHealthModule, CaskModule } from '@cask/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import type { ApiConfig } from '../../apps/api/src/config/api-config';
import { caskOptions } from '../../apps/api/src/config/cask-options';

/**
 * The bench's own Nest app around Cask's engine, configured as the reference api is: the AsyncDispatcher,
 * the event consumer and the job store run in the bench process, where the bench calls `dispatch` as an
 * application would.
 */
@Module({})
export class CaskBenchModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return { module: CaskBenchModule, imports: [CaskModule.forRoot(caskOptions(config)), CaskHealthModule] };
  }
}
