import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { queryParameters, validationSchema } from './validation-schemas';

class Window {
  @IsInt()
  @Min(1)
  hours: number;
}

class Report {
  @IsString()
  title: string;

  @IsIn(['pdf', 'csv'])
  format: 'pdf' | 'csv' = 'pdf';

  @IsOptional()
  @IsInt()
  @Max(50)
  pages?: number;

  @JSONSchema({ description: 'The period covered' })
  @IsOptional()
  @ValidateNested()
  @Type(() => Window)
  window?: Window;
}

describe('validationSchema', () => {
  it('turns class-validator rules into a JSON schema that refuses unknown properties', () => {
    expect(validationSchema(Report)).toMatchObject({
      type: 'object',
      additionalProperties: false,
      properties: { title: { type: 'string' }, pages: { type: 'integer', maximum: 50 } },
    });
  });

  it('makes a property the class initialises optional, with that value as its default', () => {
    const schema = validationSchema(Report);

    expect(schema.required).toEqual(['title']);
    expect(schema.properties!.format).toEqual({ type: 'string', enum: ['pdf', 'csv'], default: 'pdf' });
  });

  it('refers to a nested class by name, keeping what is said beside the reference', () => {
    expect(validationSchema(Report).properties!.window).toEqual({
      allOf: [{ $ref: '#/components/schemas/Window' }],
      description: 'The period covered',
    });
  });
});

describe('queryParameters', () => {
  it('gives one query parameter per property, required only when the class requires it', () => {
    expect(queryParameters(Report)).toEqual(
      expect.arrayContaining([
        { name: 'title', in: 'query', required: true, schema: { type: 'string' } },
        { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['pdf', 'csv'], default: 'pdf' } },
        {
          name: 'window',
          in: 'query',
          required: false,
          description: 'The period covered',
          schema: { allOf: [{ $ref: '#/components/schemas/Window' }] },
        },
      ]),
    );
  });
});
