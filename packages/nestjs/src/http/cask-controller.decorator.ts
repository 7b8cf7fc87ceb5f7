import { flattenValidationErrors, reservedKeyErrors } from '@cask/contracts';
import { ArgumentMetadata, Controller, UseFilters, UseGuards, UsePipes, ValidationPipe, applyDecorators } from '@nestjs/common';
import { CaskAccessGuard } from '../auth/cask-access.guard';
import { ApiKeyAuth } from '../openapi/api-key-auth.decorator';
import { CaskHttpErrorFilter } from './http-error.filter';
import { JsonBodyGuard } from './json-body.guard';
import { ValidationFailedException } from './validation-failed.exception';

/**
 * Cask's validation of its own bodies and query strings, whatever pipes the host has: unknown fields refused,
 * values transformed to the DTOs' types, every bad field named.
 */
class CaskValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // The DTO is built without `__proto__`/`constructor` keys, so the whitelist alone would let them through.
    const reserved = metadata.type === 'body' || metadata.type === 'query' ? reservedKeyErrors(value) : [];
    if (reserved.length > 0) throw new ValidationFailedException(reserved);
    return super.transform(value, metadata);
  }
}

export const CASK_VALIDATION_PIPE = new CaskValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) => new ValidationFailedException(flattenValidationErrors(errors)),
});

/**
 * One of Cask's controllers: its own guards (JSON bodies only; API keys when `CaskAuthModule` is imported),
 * validation and error bodies, so it behaves the same in any host and touches none of the host's routes.
 */
export function CaskController(path?: string): ClassDecorator {
  return applyDecorators(
    Controller(path ?? ''),
    UseGuards(JsonBodyGuard, CaskAccessGuard),
    UsePipes(CASK_VALIDATION_PIPE),
    UseFilters(CaskHttpErrorFilter),
    ApiKeyAuth(),
  );
}
