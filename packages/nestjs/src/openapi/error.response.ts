import type { FieldError } from '@cask/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ErrorBody } from '../http/error-body';

/** One rule a request broke. */
export class FieldErrorResponse implements FieldError {
  @ApiProperty({
    description: 'Where: a body field (dotted, `payload.<field>`, `jobs[<i>].<field>`), a header or a query parameter',
    example: 'payload.email',
  })
  field: string;

  @ApiProperty({ description: 'Why', example: 'email must be an email' })
  reason: string;
}

/** Every error response: a short sentence, and for bad input the fields and why. Never a stack trace. */
export class ErrorResponse implements ErrorBody {
  @ApiProperty({ example: 'Job not found' })
  error: string;

  @ApiPropertyOptional({ type: [FieldErrorResponse], description: 'Only for bad input (400, 415)' })
  details?: FieldErrorResponse[];
}
