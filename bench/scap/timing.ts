// Timing child processes for the scap benchmark.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export interface Timed {
  wall: number;
  cpu: number;
  rssMb: number;
  stdout: string;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * A command's wall time (hrtime), CPU time (user + system, from bash's `times`: millisecond resolution, where
 * GNU time has only 10 ms) and peak RSS (GNU time's %M).
 */
export async function timeCommand(command: string, args: string[]): Promise<Timed> {
  const t0 = process.hrtime.bigint();
  const { stdout, stderr } = await run('bash', ['-c', '/usr/bin/time -f "%M" "$@" && times >&2', 'bash', command, ...args], {
    maxBuffer: 1 << 26,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const lines = stderr.trim().split('\n');
  const seconds = (t: string): number => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t)!;
    return Number(m[1]) * 60 + Number(m[2]);
  };
  const [user, system] = lines[lines.length - 1]!.split(' ').map(seconds);
  return { wall, cpu: user! + system!, rssMb: Number(lines[lines.length - 3]) / 1024, stdout };
}

export async function timeSysdig(file: string, filter = 'evt.num=0', format?: string): Promise<Timed> {
  return timeCommand('sysdig', ['-r', file, ...(format !== undefined ? ['-p', format] : []), filter]);
}
