import { Inject } from '@nestjs/common';

/** DI token of the {@link CaskTopology} the app uses. */
export const CASK_TOPOLOGY = Symbol('cask:topology');

export const InjectTopology = (): ParameterDecorator => Inject(CASK_TOPOLOGY);

/** DI token of the `Kysely<Database>` the job store uses; other tables' stores share it. */
export const DATABASE = Symbol('cask:database');

export const InjectDatabase = (): ParameterDecorator => Inject(DATABASE);

/** DI token of the api's pino-http middleware (`HttpLogger`), which `configureHttp` puts first. */
export const HTTP_LOGGER = Symbol('cask:http-logger');
