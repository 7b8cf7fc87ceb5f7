import { CaskController } from '../http/cask-controller.decorator';
import { Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { WorkerListResponse } from '../openapi/worker.response';
import { WorkerList, toWorkerView } from './worker-view';
import { WorkerRegistry } from './worker-registry';
import { WorkersOptions } from './workers.options';

/** `GET /workers`: the workers that sent a heartbeat lately. */
@ApiTags('workers')
@CaskController('workers')
export class WorkersController {
  constructor(
    private readonly registry: WorkerRegistry,
    private readonly options: WorkersOptions,
  ) {}

  /** Workers heard from within `workers.timeoutMs`; one that said goodbye is gone at once. */
  @Get()
  @ApiOperation({
    summary: 'List live workers',
    description: 'Workers heard from within `workers.timeoutMs`; one that said goodbye is gone at once.',
  })
  @ApiOkResponse({ type: WorkerListResponse })
  async list(): Promise<WorkerList> {
    const rows = await this.registry.heardSince(Date.now() - this.options.timeoutMs);
    return { items: rows.map(toWorkerView) };
  }
}
