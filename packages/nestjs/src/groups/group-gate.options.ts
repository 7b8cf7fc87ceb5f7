/** What the {@link GroupGate} needs to know. */
export class GroupGateOptions {
  /** Per queue, most grouped jobs let go and not started. */
  buffer: number;
  /** How often every queue with waiting grouped jobs gets a pass unprompted. */
  passMs: number;
}
