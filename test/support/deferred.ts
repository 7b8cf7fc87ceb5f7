/** A promise the test settles by hand. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every already-queued promise continuation run (no timers involved). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
}

/** How a promise ended, readable without awaiting it. */
export function track(promise: Promise<unknown>) {
  const state: { outcome: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { outcome: 'pending' };
  promise.then(
    () => (state.outcome = 'resolved'),
    (error) => Object.assign(state, { outcome: 'rejected', error }),
  );
  return state;
}

/** Lets settled work finish, then one turn of the event loop pass (what `setImmediate` scheduled runs), then settles again. */
export async function nextTurn(): Promise<void> {
  await settle();
  await new Promise((resolve) => setImmediate(resolve));
  await settle();
}
