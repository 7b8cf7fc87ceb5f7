import { IsOptional, IsString } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

/** Query of `GET /events`. */
export class LiveEventsQuery {
  @JSONSchema({ description: 'Job types to stream, comma-separated; all when absent' })
  @IsOptional()
  @IsString()
  type?: string;
}
