import type { ScheduleDefinition } from '@cask/contracts';

/**
 * Every cron schedule declared in code. At each start the api creates or updates these (shown with
 * `"source": "code"`) and deletes code schedules no longer listed; their cron, payload and options can
 * then only be changed here, while pause and resume work over HTTP as for any schedule. Declare one next
 * to its job definition with `defineSchedule` and list it here:
 *
 * ```ts
 * // jobs/email-welcome.job.ts
 * export const WelcomeReminder = defineSchedule({
 *   name: 'email.welcome-reminder',
 *   cron: '0 9 * * 1',
 *   timezone: 'Europe/London',
 *   job: WelcomeEmail,
 *   payload: { email: 'team@example.com', name: 'Team' },
 * });
 *
 * // here
 * export const SCHEDULE_DEFINITIONS: readonly ScheduleDefinition[] = [WelcomeReminder];
 * ```
 */
export const SCHEDULE_DEFINITIONS: readonly ScheduleDefinition[] = [];
