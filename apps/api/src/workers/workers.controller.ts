import { Controller, Get } from '@nestjs/common';
import { WorkerView, toWorkerView } from './worker-view';
import { WorkersServices } from './workers-services';

/** Live workers, by id. */
export interface WorkerList {
  items: WorkerView[];
}

/** `GET /workers`: the workers that sent a heartbeat lately. */
@Controller('workers')
export class WorkersController {
  constructor(private readonly services: WorkersServices) {}

  /** Workers heard from within `WORKERS_TIMEOUT_MS`; one that said goodbye is gone at once. */
  @Get()
  async list(): Promise<WorkerList> {
    const rows = await this.services.registry.heardSince(Date.now() - this.services.config.workersTimeoutMs);
    return { items: rows.map(toWorkerView) };
  }
}
