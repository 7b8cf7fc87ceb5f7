import { CaskController } from '../http/cask-controller.decorator';
import { Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SystemResponse } from '../openapi/system.response';
import { SystemStatus, SystemView } from './system-status';

/** `GET /system`: broker queues, workers online and the outbox, shared by every tenant (as `GET /workers` is). */
@ApiTags('system')
@CaskController('system')
export class SystemController {
  constructor(private readonly status: SystemStatus) {}

  @Get()
  @ApiOperation({
    summary: 'Broker queues, workers online and the outbox backlog',
    description:
      'The deployment every tenant shares. A queue the broker did not answer for within a second (or while it is unreachable) has null counts.',
  })
  @ApiOkResponse({ type: SystemResponse })
  read(): Promise<SystemView> {
    return this.status.read();
  }
}
