import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../openapi/api-key-auth.decorator';
import { WorkerListResponse } from '../openapi/worker.response';
import { WorkerView, toWorkerView } from './worker-view';
import { WorkersServices } from './workers-services';

/** Live workers, by id. */
export interface WorkerList {
  items: WorkerView[];
}

/** `GET /workers`: the workers that sent a heartbeat lately. */
@ApiTags('workers')
@ApiKeyAuth()
@Controller('workers')
export class WorkersController {
  constructor(private readonly services: WorkersServices) {}

  /** Workers heard from within `WORKERS_TIMEOUT_MS`; one that said goodbye is gone at once. */
  @Get()
  @ApiOperation({ summary: 'List live workers', description: 'Workers heard from within `WORKERS_TIMEOUT_MS`; one that said goodbye is gone at once.' })
  @ApiOkResponse({ type: WorkerListResponse })
  async list(): Promise<WorkerList> {
    const rows = await this.services.registry.heardSince(Date.now() - this.services.config.workersTimeoutMs);
    return { items: rows.map(toWorkerView) };
  }
}
