import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { ValidatedClass, queryParameters } from './validation-schemas';

/** Documents a route's query parameters from the class-validator rules of its query class. */
export function ApiQueryFrom(target: ValidatedClass): MethodDecorator {
  return applyDecorators(
    ...queryParameters(target).map(({ name, required, description, schema }) => ApiQuery({ name, required, description, schema })),
  );
}
