import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = Symbol('cask:public-route');

/** Marks one of Cask's controllers or routes that needs no API key (the dashboard's page, which holds no data). */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(PUBLIC_ROUTE, true);
