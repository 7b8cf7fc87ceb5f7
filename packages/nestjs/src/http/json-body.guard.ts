import { CanActivate, ExecutionContext, HttpStatus, Injectable, HttpException } from '@nestjs/common';
import { errorBody } from './error-body';

/** What the guard reads of a request, under Express and Fastify alike. */
interface BodyRequest {
  headers: Record<string, string | string[] | undefined>;
}

function hasBody({ headers }: BodyRequest): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

/** 415 for a request body that is not JSON: Cask's routes speak only JSON, whatever else the host parses. */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<BodyRequest>();
    if (!hasBody(request)) return true;
    const type = String(request.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return true;
    throw new HttpException(
      errorBody('Unsupported media type', [{ field: 'content-type', reason: 'must be application/json' }]),
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    );
  }
}
