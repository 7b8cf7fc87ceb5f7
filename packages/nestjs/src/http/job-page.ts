import type { JobView } from '@cask/contracts';

/** A page of jobs, newest first. */
export interface JobPage {
  items: JobView[];
  next_cursor: string | null;
}
