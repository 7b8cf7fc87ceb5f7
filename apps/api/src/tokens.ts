import { Inject } from '@nestjs/common';

/** DI token of the {@link CaskTopology} the app uses. */
export const CASK_TOPOLOGY = Symbol('cask:topology');

export const InjectTopology = (): ParameterDecorator => Inject(CASK_TOPOLOGY);
