import { Inject } from '@nestjs/common';

/** DI token of the {@link CaskTopology} the worker uses. */
export const CASK_WORKER_TOPOLOGY = Symbol('cask:worker-topology');

export const InjectWorkerTopology = (): ParameterDecorator => Inject(CASK_WORKER_TOPOLOGY);
