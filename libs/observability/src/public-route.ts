import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = Symbol('cask:public-route');

/**
 * Marks a controller or route that needs no API key: health probes and metrics scrapes, which orchestrators
 * and Prometheus call without credentials (keep those ports off the public network).
 */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(PUBLIC_ROUTE, true);
