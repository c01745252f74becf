// The process that starts the script output's commands (see script-runners.ts for why it exists). It
// runs each request with runCommand, exactly as saker's own process would, and answers with the result;
// an abort message kills that run's process group. When saker goes away (the IPC channel closes) it exits;
// commands already started keep running, as they would have if saker itself had started them.

import { runCommand, SpawnError } from './script-process.js';
import type { RunnerReply, RunnerRequest } from './script-runners.js';

const running = new Map<number, AbortController>();

function reply(message: RunnerReply): void {
  // Saker gone: nobody to tell, and the disconnect below ends this process.
  if (process.connected) process.send?.(message, undefined, undefined, () => {});
}

process.on('message', (message: RunnerRequest) => {
  if ('abort' in message) {
    running.get(message.abort)?.abort();
    return;
  }
  const { run, ...opts } = message;
  const aborter = new AbortController();
  running.set(run, aborter);
  runCommand({ ...opts, signal: aborter.signal }).then(
    (result) => reply({ run, result }),
    (err: unknown) => reply({ run, error: err instanceof Error ? err.message : String(err), code: err instanceof SpawnError ? err.code : undefined }),
  ).finally(() => running.delete(run));
});
process.on('disconnect', () => process.exit(0));
