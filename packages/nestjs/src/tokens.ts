import { Inject } from '@nestjs/common';

/** DI token of the {@link CaskTopology} the app uses. */
export const CASK_TOPOLOGY = Symbol('cask:topology');

export const InjectTopology = (): ParameterDecorator => Inject(CASK_TOPOLOGY);

/** DI token of the `Kysely<Database>` the job store uses; other tables' stores share it. */
export const CASK_DATABASE = Symbol('cask:database');

export const InjectDatabase = (): ParameterDecorator => Inject(CASK_DATABASE);
