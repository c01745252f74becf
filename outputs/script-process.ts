// One run of a response command: argv straight to execve (never a shell, so nothing in an alert can become a
// command), the alert on stdin, its own process group so a timeout kills what the script started too, and
// the tail of stderr kept for the dead letter when it fails. stdout goes to /dev/null: nobody reads it, and
// one pipe fewer per run counts when responses run by the hundred per second.

import { spawn } from 'node:child_process';

export interface RunOptions {
  argv: readonly string[];
  cwd?: string;
  env: Record<string, string>;
  stdin: string;
  signal: AbortSignal;
  /** After SIGTERM on abort, how long before SIGKILL. */
  killGraceMs: number;
}

export interface RunResult {
  code: number | null;
  /** Set when the process died of a signal. */
  signal: NodeJS.Signals | null;
  /** True when we killed it because the attempt was aborted (timeout, shutdown). */
  killed: boolean;
  /** The last bytes of stderr ("…" in front when cut). */
  stderr: string;
}

/** A failure to start the command at all (not found, not executable, out of processes). */
export class SpawnError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'SpawnError';
  }
}

const STDERR_KEEP = 2048;
/** After exit, how long to wait for pipes held open by a backgrounded grandchild. */
const PIPE_GRACE_MS = 200;

/** Keeps only the last `max` bytes of a stream. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  private cut = false;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.max) {
      this.size -= this.chunks.shift()!.length;
      this.cut = true;
    }
  }

  text(): string {
    let buf = Buffer.concat(this.chunks);
    if (buf.length > this.max) {
      buf = buf.subarray(buf.length - this.max);
      this.cut = true;
    }
    // A cut may split a UTF-8 sequence: the replacement character marks it, which is honest enough.
    const text = buf.toString('utf8').trim();
    return this.cut ? `…${text}` : text;
  }
}

export function runCommand(opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return reject(new SpawnError('not started: the attempt was aborted', 'ABORT_ERR'));
    const child = spawn(opts.argv[0]!, opts.argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env,
      shell: false,
      detached: true,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    const stderr = new Tail(STDERR_KEEP);
    let killed = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const killGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // Already gone.
      }
    };
    const onAbort = () => {
      if (exited) return;
      killed = true;
      killGroup('SIGTERM');
      graceTimer = setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs);
      graceTimer.unref();
    };
    const finish = () => {
      if (settled || !exited) return;
      settled = true;
      clearTimeout(graceTimer);
      opts.signal.removeEventListener('abort', onAbort);
      // Whatever the command left running in its group goes with it.
      if (killed) killGroup('SIGKILL');
      resolve({ ...exited, killed, stderr: stderr.text() });
    };

    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    // A command that ignores its stdin closes the pipe early: that is its right, not an error.
    child.stdin.on('error', () => {});
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      reject(new SpawnError(`cannot run ${opts.argv[0]}: ${err.message}`, err.code));
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      setTimeout(() => {
        child.stderr.destroy();
        finish();
      }, PIPE_GRACE_MS).unref();
    });
    child.on('close', finish);
    opts.signal.addEventListener('abort', onAbort, { once: true });
    child.stdin.end(opts.stdin);
  });
}
