// The start-up handshake of saker's threads: a thread says `ready` once it can work, or `failed` with the
// reason it cannot (its outputs or rules did not start); dying before either is a failure too.

import type { Worker } from 'node:worker_threads';

type StartMessage = { kind: 'ready' } | { kind: 'failed'; message: string } | { kind: string };

/** Resolves when `worker` says it is ready; rejects with its reason, or when it exits first (`what` names it). */
export function started(worker: Worker, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    const onMessage = (message: StartMessage) => {
      if (message.kind !== 'ready' && message.kind !== 'failed') return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      if (message.kind === 'ready') resolve();
      else reject(new Error((message as { message: string }).message));
    };
    const onExit = (code: number) => reject(failure ?? new Error(`${what} stopped as it started (exit code ${code})`));
    worker.on('message', onMessage);
    worker.once('error', (err: Error) => (failure = err));
    worker.once('exit', onExit);
  });
}
