interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** How a {@link GroupCommit} groups its writes. */
export interface GroupCommitOptions<T> {
  /** Most units (see `sizeOf`) per write; an item larger than that is written alone. */
  maxGroup: number;
  /** Writes under way at once; while all are, new items wait and join the next group. 1 by default. */
  maxInFlight?: number;
  /** Units an item counts for; 1 by default. */
  sizeOf?: (item: T) => number;
}

/**
 * Group commit: the items added during one turn of the event loop go out in one write, and while
 * `maxInFlight` writes are under way, the items added meanwhile wait and go out together in the next.
 * An idle system writes each item at once; a busy one writes ever larger groups instead of queueing
 * behind single writes. Groups start in the order their items were added. Each `add` resolves when the
 * write that carried its item succeeded, and rejects with that write's error.
 */
export class GroupCommit<T> {
  private waiting: Waiting<T>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxGroup: number;
  private readonly maxInFlight: number;
  private readonly sizeOf: (item: T) => number;

  /** @param write writes one group, all of it or nothing */
  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    options: GroupCommitOptions<T>,
  ) {
    this.maxGroup = options.maxGroup;
    this.maxInFlight = options.maxInFlight ?? 1;
    this.sizeOf = options.sizeOf ?? (() => 1);
  }

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Starts writes after this turn of the event loop, so that everything added in it shares them. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.waiting.length > 0 && this.inFlight < this.maxInFlight) void this.writeGroup(this.takeGroup());
    });
  }

  private async writeGroup(group: Waiting<T>[]): Promise<void> {
    this.inFlight += 1;
    try {
      await this.write(group.map((waiting) => waiting.item));
      for (const waiting of group) waiting.resolve();
    } catch (err) {
      for (const waiting of group) waiting.reject(err as Error);
    } finally {
      this.inFlight -= 1;
      if (this.waiting.length > 0) this.schedule();
    }
  }

  /** The oldest waiting items, up to `maxGroup` units; always at least one. */
  private takeGroup(): Waiting<T>[] {
    let units = 0;
    let take = 0;
    while (take < this.waiting.length) {
      const size = this.sizeOf(this.waiting[take].item);
      if (take > 0 && units + size > this.maxGroup) break;
      units += size;
      take += 1;
    }
    return this.waiting.splice(0, take);
  }
}
