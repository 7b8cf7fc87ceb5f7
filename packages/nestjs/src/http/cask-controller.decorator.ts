import { flattenValidationErrors, reservedKeyErrors } from '@cask/contracts';
import {
  ArgumentMetadata,
  Controller,
  UseFilters,
  UseGuards,
  UsePipes,
  ValidationPipe,
  ValidationPipeOptions,
  applyDecorators,
} from '@nestjs/common';
import { CaskAccessGuard } from '../auth/cask-access.guard';
import { ApiKeyAuth } from '../openapi/api-key-auth.decorator';
import type { ValidatedClass } from '../openapi/validation-schemas';
import { CompiledBodyCheck } from './compiled-body-check';
import { CaskHttpErrorFilter } from './http-error.filter';
import { JsonBodyGuard } from './json-body.guard';
import { ValidationFailedException } from './validation-failed.exception';

/**
 * What Cask's bodies and query strings are held to: unknown fields refused, values transformed to the DTOs' types,
 * every bad field named.
 */
export const CASK_VALIDATION_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) => new ValidationFailedException(flattenValidationErrors(errors)),
};

/**
 * Cask's validation of its own bodies and query strings, whatever pipes the host has. A body its compiled check
 * accepts is built into its DTO at once; any other goes through class-validator and class-transformer.
 */
class CaskValidationPipe extends ValidationPipe {
  private readonly compiled = new CompiledBodyCheck();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // The DTO is built without `__proto__`/`constructor` keys, so the whitelist alone would let them through.
    const reserved = metadata.type === 'body' || metadata.type === 'query' ? reservedKeyErrors(value) : [];
    if (reserved.length > 0) throw new ValidationFailedException(reserved);
    const instance =
      metadata.type === 'body' && metadata.metatype ? this.compiled.instance(metadata.metatype as ValidatedClass, value) : undefined;
    return instance ?? super.transform(value, metadata);
  }
}

export const CASK_VALIDATION_PIPE = new CaskValidationPipe(CASK_VALIDATION_OPTIONS);

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
