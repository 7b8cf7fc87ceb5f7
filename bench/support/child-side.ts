import type { ChildMessage } from './managed-process';

/** For a script forked by the bench: sends its parent a message; resolves once it is handed over. */
export function tellParent(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

export function onParentMessage(handler: (message: ChildMessage) => void): void {
  process.on('message', (message: ChildMessage) => handler(message));
}

/** Exits when the parent goes away (its IPC channel closes) or asks the child to stop. */
export function exitWithParent(cleanup: () => Promise<void> = async () => undefined): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 3_000);
    force.unref();
    cleanup().finally(() => process.exit(0));
  };
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
