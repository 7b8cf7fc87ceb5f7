import { ApiProperty } from '@nestjs/swagger';
import type { Scope } from '../auth/api-keys';
import type { WhoamiView } from '../auth/whoami-view';

/** `GET /auth/whoami`. */
export class WhoamiResponse implements WhoamiView {
  @ApiProperty({ example: 'acme', description: 'The tenant the key belongs to' })
  tenant: string;

  @ApiProperty({
    enum: ['read', 'write', 'admin'],
    example: 'read',
    description: '`read` can only read; `write` can also dispatch, cancel and retry; `admin` can also pause and resume queues',
  })
  scope: Scope;

  @ApiProperty({
    example: true,
    description: 'False when the api has no keys configured (open): every request acts for the `default` tenant',
  })
  keys_required: boolean;
}
