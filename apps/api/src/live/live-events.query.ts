import { IsOptional, IsString } from 'class-validator';

/** Query of `GET /events`. */
export class LiveEventsQuery {
  /** Job types to stream, comma-separated; all when absent. */
  @IsOptional()
  @IsString()
  type?: string;
}
