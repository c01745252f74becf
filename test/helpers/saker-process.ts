// saker as a child process (`node dist/src/cli.js run`), configured by environment only, on a port chosen
// up front so that a restarted process answers where the killed one did.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../peers/free-port.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

export class SakerProcess {
  readonly logs: Array<Record<string, unknown>> = [];
  /** stderr lines that are not JSON log lines (a crash trace, a library writing to the console). */
  readonly unstructured: string[] = [];
  /** Everything written to stdout. */
  stdout = '';
  private stderrTail = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    let partial = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        try {
          this.logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.unstructured.push(line);
        }
      }
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => (this.stdout += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts saker with `env` (on top of a minimal environment) and resolves once it listens. */
  static async start(env: Record<string, string>, port?: number): Promise<SakerProcess> {
    const saker = await SakerProcess.spawn(env, port);
    await saker.waitForLog(/saker listening on/, 20_000);
    return saker;
  }

  /** Starts saker as `start` does, without waiting for anything. */
  static async spawn(env: Record<string, string>, port?: number): Promise<SakerProcess> {
    const listenPort = port ?? (await freePort());
    const child = spawn(process.execPath, [CLI, 'run'], {
      env: {
        PATH: process.env.PATH ?? '',
        LISTENADDRESS: '127.0.0.1',
        LISTENPORT: String(listenPort),
        STDOUT_ENABLED: 'false',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new SakerProcess(child, listenPort);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async waitForLog(pattern: RegExp, timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find((l) => pattern.test(String(l.msg)));
      if (found) return found;
      if (this.child.exitCode !== null) throw new Error(`saker exited (${this.child.exitCode}) before logging ${pattern}: ${this.stderrTail}`);
      if (Date.now() > deadline) throw new Error(`saker did not log ${pattern} within ${timeoutMs} ms: ${this.stderrTail}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** SIGKILL: no shutdown, no drain, exactly like a crash. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait for the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** A Falco alert body with a fixed uuid (saker keeps a sender's uuid: it is the idempotency key). */
export function falcoAlert(uuid: string, n: number): Record<string, unknown> {
  return {
    uuid,
    time: '2026-11-29T01:02:03.123456789Z',
    rule: 'Terminal shell in container',
    priority: 'Notice',
    source: 'syscall',
    output: `01:02:03.123456789: Notice A shell was spawned in a container (n=${n})`,
    output_fields: { 'proc.name': 'bash', 'user.name': 'root', n },
    tags: ['container', 'shell'],
    hostname: 'node-1',
  };
}
