import { CaskError, JobOrigin } from '@cask/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { JobRedriver, NotRetryableStateError } from '../dispatcher/job-redriver';
import type { JobRecord } from '../store/job-record';
import { DeadLetter, DeadLetterFilter, DeadLetterStore } from '../store/dead-letter-store';
import { JobStore } from '../store/job-store';

/** Letters one bulk redrive looks at; the answer's cursor goes on from there. */
export const REDRIVE_PAGE = 1000;

/** A letter that cannot be redriven: it is not a job's message, or its job cannot run again. */
export class NotRedrivableError extends CaskError {
  constructor(reason: string) {
    super(`Dead letter cannot be redriven: ${reason}`, { code: 'not_redrivable', retryable: false });
  }
}

/** What a bulk redrive did, and where the next call goes on. */
export interface BulkRedrive {
  redriven: number;
  /** Letters left as they were: no job of the store's, or one that is not failed or cancelled. */
  skipped: number;
  /** The last letter looked at, when more may match. */
  lastId: string | null;
}

/**
 * What operators do with dead letters. Redriving a letter reruns its job from the store (a new series of
 * attempts, as `POST /jobs/:id/retry` does) and removes that job's letters; a letter with no job the store
 * holds (garbage, a message published around the api, a purged job) can only be read and discarded.
 */
@Injectable()
export class DeadLetterActions {
  private readonly logger = new Logger(DeadLetterActions.name);

  constructor(
    private readonly letters: DeadLetterStore,
    private readonly jobs: JobStore,
    private readonly redriver: JobRedriver,
  ) {}

  /** Returns the job as the redrive left it, or undefined for an unknown letter; throws if it cannot be redriven. */
  async redrive(id: string, origin: JobOrigin = {}): Promise<JobRecord | undefined> {
    const letter = await this.letters.get(id);
    if (!letter) return undefined;
    return this.redriveLetter(letter, origin);
  }

  /** Redrives up to {@link REDRIVE_PAGE} matching letters older than `beforeId`, newest first. */
  async redriveMany(filter: DeadLetterFilter, beforeId: string | undefined, origin: JobOrigin = {}): Promise<BulkRedrive> {
    const page = await this.letters.list({ ...filter, beforeId, limit: REDRIVE_PAGE });
    const done = new Set<string>();
    let redriven = 0;
    let skipped = 0;
    for (const letter of page) {
      // A job's other letters went with its redrive.
      if (letter.jobId !== null && done.has(letter.jobId)) continue;
      try {
        await this.redriveLetter(letter, origin);
        done.add(letter.jobId as string);
        redriven += 1;
      } catch (err) {
        if (!(err instanceof NotRedrivableError)) throw err;
        skipped += 1;
      }
    }
    this.logger.log(`Redrove ${redriven} dead-lettered job(s), skipped ${skipped} letter(s)`);
    return { redriven, skipped, lastId: page.length === REDRIVE_PAGE ? page[page.length - 1].id : null };
  }

  /** Deletes one letter; false if there was none. */
  async discard(id: string): Promise<boolean> {
    return (await this.letters.remove([id])) === 1;
  }

  /** Deletes every matching letter; returns how many. */
  async discardMany(filter: DeadLetterFilter): Promise<number> {
    const discarded = await this.letters.removeMatching(filter);
    this.logger.log(`Discarded ${discarded} dead letter(s)`);
    return discarded;
  }

  private async redriveLetter(letter: DeadLetter, origin: JobOrigin): Promise<JobRecord> {
    if (letter.jobId === null) throw new NotRedrivableError('it is not a job message; read it and discard it');
    const job = await this.jobs.get(letter.jobId);
    const missing = new NotRedrivableError(`job ${letter.jobId} is not in the store (purged, or not dispatched through this api)`);
    if (!job) throw missing;
    try {
      // Undefined if the job was purged since it was read.
      const redriven = await this.redriver.retry(job.id, job.tenant, origin);
      if (!redriven) throw missing;
      await this.letters.removeMatching({ jobId: job.id });
      return redriven;
    } catch (err) {
      if (err instanceof NotRetryableStateError)
        throw new NotRedrivableError(`job ${job.id} is ${err.status}; only failed or cancelled jobs run again`);
      throw err;
    }
  }
}
