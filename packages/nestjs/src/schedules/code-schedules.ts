import type { ScheduleDefinition } from '@cask/contracts';

/** The cron schedules declared in code, from `CaskModule.forRoot` and every `forFeature`. */
export class CodeSchedules {
  private readonly definitions: ScheduleDefinition[] = [];

  constructor(definitions: readonly ScheduleDefinition[] = []) {
    this.add(definitions);
  }

  add(definitions: readonly ScheduleDefinition[]): void {
    this.definitions.push(...definitions);
  }

  all(): readonly ScheduleDefinition[] {
    return this.definitions;
  }
}
