import { ApiProperty } from '@nestjs/swagger';

/** The example endpoint's answer. */
export class WelcomeEmailQueuedResponse {
  @ApiProperty({ example: 'Welcome email queued' })
  message: string;

  @ApiProperty({ format: 'uuid', example: '01a223e7-f080-7632-ae4c-120a9e7f7f02' })
  job_id: string;
}
