import { Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { IncomingMessage } from 'node:http';
import { Public } from '../auth/public-route';
import { CaskController } from '../http/cask-controller.decorator';
import { errorBody } from '../http/error-body';
import { PlatformResponse, rawResponse } from '../http/raw-response';
import { DASHBOARD_HEADERS } from './dashboard-csp';
import { DashboardAsset, DashboardAssets } from './dashboard-assets';

/** What the handlers read of a request: a platform's request, or Fastify's with the Node one under `raw`. */
type PlatformRequest = IncomingMessage | { raw: IncomingMessage };

/**
 * The dashboard page and its files. Public: the page holds no data; it asks for an API key and sends it on
 * every call to Cask's routes, which check it. Not in the OpenAPI document.
 */
@Public()
@ApiExcludeController()
@CaskController()
export class DashboardController {
  constructor(private readonly assets: DashboardAssets) {}

  @Get()
  page(@Req() request: PlatformRequest, @Res() response: PlatformResponse): void {
    send(request, response, this.assets.get('index.html') as DashboardAsset);
  }

  @Get(':file')
  file(@Param('file') name: string, @Req() request: PlatformRequest, @Res() response: PlatformResponse): void {
    const asset = name === 'index.html' ? undefined : this.assets.get(name);
    if (!asset) throw new NotFoundException(errorBody('Not found'));
    send(request, response, asset);
  }
}

function send(request: PlatformRequest, response: PlatformResponse, asset: DashboardAsset): void {
  const raw = rawResponse(response);
  const incoming = 'raw' in request ? request.raw : request;
  for (const [name, value] of Object.entries(DASHBOARD_HEADERS)) raw.setHeader(name, value);
  // Revalidated on every load: a new version is never mixed with an old page's script.
  raw.setHeader('Cache-Control', 'no-cache');
  raw.setHeader('ETag', asset.etag);
  if (incoming.headers['if-none-match'] === asset.etag) {
    raw.statusCode = 304;
    raw.end();
    return;
  }
  raw.statusCode = 200;
  raw.setHeader('Content-Type', asset.contentType);
  raw.setHeader('Content-Length', asset.body.length);
  raw.end(incoming.method === 'HEAD' ? undefined : asset.body);
}
