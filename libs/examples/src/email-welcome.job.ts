import { IsEmail, IsString, Length } from 'class-validator';
import { defineJob } from '@cask/contracts';

/** Example job: replace with your own. Payload of `email.welcome`. */
export class WelcomeEmailPayload {
  @IsEmail()
  email: string;

  @IsString()
  @Length(1, 200)
  name: string;
}

export interface WelcomeEmailResult {
  delivered_to: string;
  message_id: string;
}

/** Example job: sends a welcome email. Addresses at `bounce.test` fail permanently. */
export const WelcomeEmail = defineJob<WelcomeEmailPayload, WelcomeEmailResult>('email.welcome', {
  payload: WelcomeEmailPayload,
  example: { email: 'ada@example.com', name: 'Ada Lovelace' },
  description: 'Example: send a welcome email (addresses at bounce.test fail permanently)',
});
