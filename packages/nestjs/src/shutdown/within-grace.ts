/** Waits for `work` to settle, but no longer than `graceMs`; never rejects. */
export async function withinGrace(work: Promise<unknown> | undefined, graceMs: number): Promise<void> {
  if (!work) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
  await Promise.race([work.catch(() => undefined), timeout]);
  clearTimeout(timer);
}
