import { IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, Min } from 'class-validator';

/** Body of `POST /jobs`. */
export class CreateJobDto {
  /** A job name, e.g. `email.welcome`. */
  @IsString()
  @IsNotEmpty()
  type: string;

  /** Checked against the job type's payload class before anything is stored. */
  @IsObject()
  payload: Record<string, unknown>;

  /** 0 (lowest) to 9 (highest). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(9)
  priority?: number;
}
