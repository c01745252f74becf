// Runs the `saker` command as a real child process, from the TypeScript sources (through vite-node), so
// that tests need no build step.

import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const VITE_NODE = join(ROOT, 'node_modules', 'vite-node', 'vite-node.mjs');

export interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `saker ARGS…` to its end. Asynchronous, so that the test runner stays responsive meanwhile. */
export async function saker(args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Finished> {
  const child = spawn(process.execPath, [VITE_NODE, join(ROOT, 'src/cli.ts'), ...args], {
    cwd: ROOT,
    // CI=true: otherwise vite (under vite-node) exits the process as soon as stdin ends.
    env: { ...process.env, CI: 'true', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin!.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  clearTimeout(timer);
  return { status, stdout, stderr };
}

/** A long-running saker (e.g. `run`); its stderr lines are collected as they come. */
export function sakerProcess(args: readonly string[], env: Record<string, string> = {}): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, [VITE_NODE, join(ROOT, 'src/cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let pending = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop()!;
    lines.push(...parts);
  });
  child.stdout!.resume();
  return { child, lines };
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
