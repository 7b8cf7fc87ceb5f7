import type { FieldError } from '@cask/contracts';
import { BadRequestException } from '@nestjs/common';
import { errorBody } from './error-body';

/** A 400 that names each bad field and why. */
export class ValidationFailedException extends BadRequestException {
  constructor(details: FieldError[], message = 'Validation failed') {
    super(errorBody(message, details));
  }
}
