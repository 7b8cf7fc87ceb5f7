import { ApiProperty } from '@nestjs/swagger';
import type { Scope } from '../auth/api-keys';
import type { WhoamiView } from '../auth/whoami-view';

/** `GET /auth/whoami`. */
export class WhoamiResponse implements WhoamiView {
  @ApiProperty({ example: 'acme', description: 'The tenant the key belongs to' })
  tenant: string;

  @ApiProperty({
    enum: ['read', 'write'],
    example: 'read',
    description: '`read` can only read; `write` can also dispatch, cancel and retry',
  })
  scope: Scope;

  @ApiProperty({
    example: true,
    description: 'False when the api has no keys configured (open): every request acts for the `default` tenant',
  })
  keys_required: boolean;
}
