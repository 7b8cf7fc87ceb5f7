import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = Symbol('cask:public-route');

/** Marks one of Cask's controllers or routes that needs no API key (the dashboard's page, which holds no data). */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(PUBLIC_ROUTE, true);

export const ADMIN_ROUTE = Symbol('cask:admin-route');

/**
 * Marks one of Cask's routes that acts for every tenant (pausing a queue): with API keys, only an `admin` key may
 * call it; others hear 403 with `why` (what is shared, and what only an admin may do with it).
 */
export const AdminOnly = (why: string): ClassDecorator & MethodDecorator => SetMetadata(ADMIN_ROUTE, why);
