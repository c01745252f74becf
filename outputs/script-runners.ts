// Where the script output's commands are started: in helper processes, not in saker's own. Node's
// spawn forks the calling process and waits, blocking its event loop, until the child has called execve.
// The fork copies the caller's page tables and the wait lasts until the scheduler runs the child, so in
// saker's process each run blocked the event loop for over a millisecond (several on a busy machine, while
// every alert ingested waited) and the runs could not overlap. Two runners overlap their waits, and saker's
// event loop only passes messages.

import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SpawnError, type RunOptions, type RunResult } from './script-process.js';

export type RunnerRequest = ({ run: number } & Omit<RunOptions, 'signal'>) | { abort: number };
export type RunnerReply = { run: number; result: RunResult } | { run: number; error: string; code?: string };

/** The runner's entry point: next to this file once built, in dist/ when saker runs from its sources (tests). */
function runnerPath(): string {
  const built = fileURLToPath(new URL('./script-runner.js', import.meta.url));
  return existsSync(built) ? built : fileURLToPath(new URL('../dist/outputs/script-runner.js', import.meta.url));
}

const STOP_GRACE_MS = 2000;

interface Pending {
  resolve: (result: RunResult) => void;
  reject: (err: Error) => void;
}

class Runner {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();

  get load(): number {
    return this.pending.size;
  }

  run(id: number, opts: RunOptions): Promise<RunResult> {
    const { signal, ...request } = opts;
    if (signal.aborted) return Promise.reject(new SpawnError('not started: the attempt was aborted', 'ABORT_ERR'));
    const child = this.start();
    return new Promise<RunResult>((resolve, reject) => {
      const onAbort = () => child.send({ abort: id } satisfies RunnerRequest);
      const done = () => {
        signal.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        // An idle runner does not keep saker (or a test) from exiting.
        if (this.pending.size === 0) child.channel?.unref();
      };
      this.pending.set(id, {
        resolve: (result) => (done(), resolve(result)),
        reject: (err) => (done(), reject(err)),
      });
      child.channel?.ref();
      signal.addEventListener('abort', onAbort, { once: true });
      child.send({ run: id, ...request } satisfies RunnerRequest);
    });
  }

  private start(): ChildProcess {
    if (this.child) return this.child;
    // No environment of saker's (each command gets its own) and none of its Node options (--inspect would clash).
    const child = fork(runnerPath(), [], { env: {}, execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.unref();
    child.channel?.unref();
    child.on('message', (reply: RunnerReply) => {
      const pending = this.pending.get(reply.run);
      if (!pending) return;
      if ('result' in reply) pending.resolve(reply.result);
      else pending.reject(new SpawnError(reply.error, reply.code));
    });
    // A send to a runner that just died: its exit, below, answers the pending runs.
    child.on('error', () => {});
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      for (const pending of [...this.pending.values()]) pending.reject(new SpawnError(`the process starting commands exited (${signal ?? `code ${code}`})`, 'ERUNNER'));
    });
    this.child = child;
    return child;
  }

  /** Closes the channel, on which the runner exits; resolves once it has. */
  stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      // It exits at once when its channel closes; should it hang, it must not hold saker's shutdown.
      const stuck = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(stuck);
        resolve();
      });
      if (child.connected) child.disconnect();
    });
  }
}

/** Runs commands on the least busy of `count` runners, started when first needed. */
export class Runners {
  private readonly runners: Runner[];
  private nextId = 0;

  constructor(count: number) {
    this.runners = Array.from({ length: count }, () => new Runner());
  }

  run(opts: RunOptions): Promise<RunResult> {
    const runner = this.runners.reduce((a, b) => (b.load < a.load ? b : a));
    return runner.run(this.nextId++, opts);
  }

  async stop(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }
}
