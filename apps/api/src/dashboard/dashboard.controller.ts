import { Public } from '@cask/observability';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { errorBody } from '../http/error-body';
import { DashboardAsset, DashboardAssets } from './dashboard-assets';

/**
 * `GET /dashboard` and its files. Public: the page holds no data; it asks for an API key and sends it on
 * every call to the api, whose routes check it. Not in the OpenAPI document, like the docs page.
 */
@Public()
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly assets: DashboardAssets) {}

  @Get()
  page(@Res() response: Response): void {
    send(response, this.assets.get('index.html') as DashboardAsset);
  }

  @Get(':file')
  file(@Param('file') name: string, @Res() response: Response): void {
    const asset = name === 'index.html' ? undefined : this.assets.get(name);
    if (!asset) throw new NotFoundException(errorBody('Not found'));
    send(response, asset);
  }
}

function send(response: Response, asset: DashboardAsset): void {
  // Revalidated on every load (express answers 304 to a matching ETag): a new api version is never
  // mixed with an old page's script.
  response.setHeader('Cache-Control', 'no-cache');
  response.type(asset.contentType).send(asset.body);
}
