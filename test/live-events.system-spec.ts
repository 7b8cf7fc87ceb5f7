import { CaskSystem, waitFor } from '@cask/testing';
import { randomUUID } from 'node:crypto';

/** One server-sent event as a client sees it. */
interface SseMessage {
  event: string;
  id?: string;
  data: Record<string, unknown>;
}

/** A minimal EventSource over fetch: parses the stream and records every event, until the server ends it or we leave. */
class SseClient {
  readonly events: SseMessage[] = [];
  private readonly controller = new AbortController();
  private finished = false;
  private failure?: Error;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  /** Connects; resolves once the response headers have arrived. */
  async connect(): Promise<Response> {
    const response = await fetch(this.url, { headers: { accept: 'text/event-stream', ...this.headers }, signal: this.controller.signal });
    if (response.status === 200) void this.read(response);
    else this.finished = true;
    return response;
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient(url, headers);
    const response = await client.connect();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    return client;
  }

  get isEnded(): boolean {
    return this.finished;
  }

  named(name: string): SseMessage[] {
    return this.events.filter((event) => event.event === name);
  }

  /** Leaves, as a client that loses its connection does. */
  disconnect(): void {
    this.controller.abort();
  }

  /** Waits until an event matches `predicate`; returns it. */
  waitForEvent(predicate: (event: SseMessage) => boolean, what: string, timeoutMs = 20_000): Promise<SseMessage> {
    return waitFor(() => this.events.find(predicate), { timeoutMs, what });
  }

  /** Waits until the server ends the stream. */
  waitForEnd(timeoutMs = 30_000): Promise<boolean> {
    return waitFor(
      () => {
        if (this.failure) throw this.failure;
        return this.finished;
      },
      { timeoutMs, what: `the end of ${this.url} (got ${this.events.map((e) => e.event).join(', ')})` },
    );
  }

  private async read(response: Response): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
        for (let boundary = buffer.indexOf('\n\n'); boundary >= 0; boundary = buffer.indexOf('\n\n')) {
          this.dispatch(buffer.slice(0, boundary));
          buffer = buffer.slice(boundary + 2);
        }
      }
    } catch (err) {
      if (!this.controller.signal.aborted) this.failure = err as Error;
    } finally {
      this.finished = true;
    }
  }

  /** One block of lines, as the EventSource processing model reads it. */
  private dispatch(block: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) this.events.push({ event, id, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
  }
}

/** `status:attempt` of each status event, or of each history entry. */
const steps = (items: ReadonlyArray<{ status?: unknown; attempt?: unknown; series?: unknown }>) =>
  items.map((item) => `${item.series}:${item.status}:${item.attempt}`);

describe('live events (server-sent events)', () => {
  const cask = new CaskSystem('live-events');
  const clients: SseClient[] = [];
  const track = (client: SseClient) => {
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  afterAll(() => cask.stop());

  it('streams a video.process job: snapshot, its progress, every status change, then the result, and ends', async () => {
    const id = await cask.dispatch('video.process', { url: 'https://cdn.example.com/live.mp4', duration_ms: 1000 });
    const stream = track(await SseClient.open(`${cask.baseUrl}/jobs/${id}/events`));
    await stream.waitForEnd();

    const job = await cask.get(id);
    expect(job.status).toBe('succeeded');
    const names = stream.events.map((event) => event.event);
    expect(names[0]).toBe('snapshot');
    expect(stream.events[0].data).toMatchObject({ job_id: id, type: 'video.process' });
    expect(names.at(-1)).toBe('result');
    expect(stream.named('result')[0].data).toMatchObject({
      job_id: id,
      status: 'succeeded',
      attempts: 1,
      result: { url: 'https://cdn.example.com/live.mp4', frames: 30 },
      error: null,
    });

    // Every status change in the job's history, in order, each once, each with an id.
    const statuses = stream.named('status');
    expect(steps(statuses.map((event) => event.data))).toEqual(steps(job.history));
    expect(new Set(statuses.map((event) => event.id)).size).toBe(statuses.length);
    expect(statuses.every((event) => /^\d+\.\d+\.\d$/.test(event.id ?? ''))).toBe(true);

    // Progress as the handler reported it (ten steps over a second), rising, all before the outcome.
    const progress = stream.named('progress').map((event) => event.data.progress as number);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(new Set(progress).size).toBe(progress.length);
    expect(progress.at(-1)).toBe(100);
    expect(names.lastIndexOf('progress')).toBeLessThan(names.lastIndexOf('status'));
    expect(stream.named('status').at(-1)?.data).toMatchObject({ status: 'succeeded', attempt: 1 });
  });

  it('resumes with Last-Event-ID after a disconnect mid-job and misses nothing', async () => {
    const id = await cask.dispatch('demo.flaky', { fail_times: 2 }, { backoff: { type: 'fixed', base_ms: 1000, cap_ms: 1000, jitter: 0 } });
    const first = track(await SseClient.open(`${cask.baseUrl}/jobs/${id}/events`));
    await first.waitForEvent((event) => event.event === 'status' && event.data.status === 'retrying', 'the first retry');
    first.disconnect();
    await first.waitForEnd();
    const seen = first.named('status');
    const lastId = seen.at(-1)?.id as string;

    // Changes happen while nobody listens.
    const missed = await waitFor(
      async () => {
        const job = await cask.get(id);
        return job.history.length > seen.length && job;
      },
      { timeoutMs: 20_000, what: 'a change missed while disconnected' },
    );
    // Still mid-job (the next attempt is a second away): the new connection replays, then goes live.
    expect(missed.status).not.toBe('succeeded');

    const second = track(await SseClient.open(`${cask.baseUrl}/jobs/${id}/events`, { 'last-event-id': lastId }));
    await second.waitForEnd();

    const job = await cask.get(id);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(second.events[0].event).toBe('snapshot');
    expect(second.events.at(-1)).toMatchObject({ event: 'result', data: { status: 'succeeded', result: { attempts: 3 } } });

    // The union of both connections is the full history: every change exactly once, in order.
    const union = [...seen, ...second.named('status')];
    expect(steps(union.map((event) => event.data))).toEqual(steps(job.history));
    expect(steps(job.history)).toEqual(['1:running:1', '1:retrying:1', '1:running:2', '1:retrying:2', '1:running:3', '1:succeeded:3']);
    expect(new Set(union.map((event) => event.id)).size).toBe(union.length);

    // Resuming after the last change: nothing left, and a 204 so an EventSource stops reconnecting.
    const after = await fetch(`${cask.baseUrl}/jobs/${id}/events`, { headers: { 'last-event-id': union.at(-1)?.id as string } });
    expect(after.status).toBe(204);
  });

  it('streams events of every job on GET /events, only of the requested type', async () => {
    const flakyOnly = track(await SseClient.open(`${cask.baseUrl}/events?type=demo.flaky`));
    const everything = track(await SseClient.open(`${cask.baseUrl}/events`));

    const emailId = await cask.dispatch('email.welcome', { email: 'live@example.com', name: 'Live' });
    await everything.waitForEvent(
      (event) => event.data.job_id === emailId && event.data.status === 'succeeded',
      'the email job on the unfiltered stream',
    );

    // The email's events were published before this job existed: had the filter let them through, the
    // filtered stream (one connection, in publish order) would show them before this job's.
    const flakyId = await cask.dispatch(
      'demo.flaky',
      { fail_times: 1 },
      { backoff: { type: 'fixed', base_ms: 100, cap_ms: 100, jitter: 0 } },
    );
    await flakyOnly.waitForEvent(
      (event) => event.data.job_id === flakyId && event.data.status === 'succeeded',
      'the flaky job on the filtered stream',
    );

    expect(flakyOnly.events.filter((event) => event.data.job_id === emailId)).toEqual([]);
    expect(flakyOnly.events.every((event) => event.data.type === 'demo.flaky')).toBe(true);
    expect(
      flakyOnly
        .named('status')
        .filter((event) => event.data.job_id === flakyId)
        .map((event) => `${event.data.status}:${event.data.attempt}`),
    ).toEqual(['running:1', 'retrying:1', 'running:2', 'succeeded:2']);
    expect(
      everything
        .named('status')
        .filter((event) => event.data.job_id === emailId)
        .map((event) => event.data.status),
    ).toEqual(['running', 'succeeded']);
    expect(flakyOnly.isEnded).toBe(false);
  });

  it('answers bad input and unknown jobs with a JSON error before streaming', async () => {
    const json = async (path: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${cask.baseUrl}${path}`, { headers });
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        body: (await response.json()) as Record<string, unknown>,
      };
    };

    expect(await json('/jobs/not-a-job/events')).toMatchObject({
      status: 400,
      type: expect.stringMatching(/json/),
      body: { details: [{ field: 'id' }] },
    });
    expect(await json(`/jobs/${randomUUID()}/events`)).toMatchObject({ status: 404, body: { error: 'Job not found' } });
    const id = await cask.dispatch('email.welcome', { email: 'bad-id@example.com', name: 'Bad' });
    expect(await json(`/jobs/${id}/events`, { 'last-event-id': 'yesterday' })).toMatchObject({
      status: 400,
      body: { details: [{ field: 'Last-Event-ID' }] },
    });
    const unknownType = await json('/events?type=demo.flaky,nope');
    expect(unknownType).toMatchObject({ status: 400, body: { error: 'Unknown job type "nope"', details: [{ field: 'type' }] } });
    expect((unknownType.body.details as Array<{ reason: string }>)[0].reason).toContain('demo.flaky');
  });
});
