import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CaskWorkerModuleOptions } from './worker-options';

export const {
  ConfigurableModuleClass: CaskWorkerConfigurableModule,
  MODULE_OPTIONS_TOKEN: CASK_WORKER_OPTIONS,
  OPTIONS_TYPE: CASK_WORKER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CASK_WORKER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CaskWorkerModuleOptions>({ moduleName: 'CaskWorker' })
  .setClassMethodName('forRoot')
  // Global, so that `AmqpJobServer` (the transport strategy) can be handed to `createMicroservice` from
  // any module, and the health indicator used by the host's own health controller.
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
