// A private redis-server for benchmarks, configured as the README asks for production (append-only file
// with fsync every second, noeviction), and Redis' own ceiling on this machine (redis-benchmark).

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../test/peers/free-port.js';

export interface BenchRedis {
  url: string;
  port: number;
  pid: number;
  /** `used_memory` in bytes. */
  usedMemory(): Promise<number>;
  stop(): Promise<void>;
}

export async function startBenchRedis(): Promise<BenchRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'saker-bench-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!output.includes('Ready to accept connections')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start: ${output.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const client = new Redis({ port, host: '127.0.0.1' });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    async usedMemory() {
      const m = /used_memory:(\d+)/.exec(await client.info('memory'));
      return m ? Number(m[1]) : NaN;
    },
    async stop() {
      client.disconnect();
      child.kill('SIGTERM');
      await once(child, 'exit');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `redis-benchmark -q -t set -P 16` against this Redis: SET requests per second it reaches here. */
export function redisBenchmarkSet(port: number): string {
  const out = execFileSync('redis-benchmark', ['-q', '-t', 'set', '-P', '16', '-p', String(port)], { encoding: 'utf8' });
  // -q prints progress with carriage returns, then the final line.
  return out.split(/[\r\n]/).filter((l) => l.startsWith('SET:')).at(-1)?.trim() ?? out.trim();
}
