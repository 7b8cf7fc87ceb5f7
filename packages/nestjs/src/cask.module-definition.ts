import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CaskModuleOptions } from './cask-options';

export const {
  ConfigurableModuleClass: CaskConfigurableModule,
  MODULE_OPTIONS_TOKEN: CASK_MODULE_OPTIONS,
  OPTIONS_TYPE: CASK_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CASK_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CaskModuleOptions>({ moduleName: 'Cask' })
  .setClassMethodName('forRoot')
  // Global, as BullModule.forRoot is: the dispatcher is wanted in every module of the host, and Cask's
  // opt-in modules (HTTP, dashboard, metrics, health) find the engine without being told where it is.
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
