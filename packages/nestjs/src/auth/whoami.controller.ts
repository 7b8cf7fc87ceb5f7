import { CaskController } from '../http/cask-controller.decorator';
import { Get, Optional } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { WhoamiResponse } from '../openapi/whoami.response';
import type { Principal } from './api-keys';
import type { WhoamiView } from './whoami-view';
import { ApiKeyRing } from './api-keys';
import { CurrentPrincipal } from './principal.decorator';

/** `GET /auth/whoami`: lets a client (the dashboard) learn its tenant and scope, e.g. to hide what a read key may not do. */
@ApiTags('auth')
@CaskController('auth')
export class WhoamiController {
  constructor(@Optional() private readonly keys?: ApiKeyRing) {}

  @Get('whoami')
  @ApiOperation({
    summary: 'The tenant and scope of the API key sent',
    description: 'Any valid key, read or write. Without configured keys: the `default` tenant, `write`.',
  })
  @ApiOkResponse({ type: WhoamiResponse })
  whoami(@CurrentPrincipal() { tenant, scope }: Principal): WhoamiView {
    return { tenant, scope, keys_required: this.keys?.enabled ?? false };
  }
}
