// A real Redis for tests. With `redis-server` on the PATH each suite gets a private server on a free port
// (nothing saved, or an append-only file in a temp dir when the test restarts it). Otherwise REDIS_URL is
// used (tests that must restart Redis are skipped then). With neither, Redis tests are skipped with a
// message saying how to enable them — unless SAKER_REQUIRE_REDIS=1 (CI), which makes that a failure.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

const HAS_BINARY = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
const EXTERNAL_URL = process.env.REDIS_URL;
const REQUIRED = process.env.SAKER_REQUIRE_REDIS === '1';

const HOW_TO_ENABLE =
  'install redis-server (apt-get install redis-server) or set REDIS_URL=redis://host:port to run them';

/** Why Redis tests cannot run here, or undefined when they can. */
export const redisSkipReason: string | undefined =
  HAS_BINARY || EXTERNAL_URL ? undefined : `Redis tests skipped: no redis-server on the PATH and no REDIS_URL; ${HOW_TO_ENABLE}`;

/** Why tests that restart Redis cannot run here, or undefined when they can. */
export const redisRestartSkipReason: string | undefined = HAS_BINARY
  ? undefined
  : `Redis restart tests skipped: they need redis-server on the PATH to stop and start it; ${HOW_TO_ENABLE}`;

if (REQUIRED && (redisSkipReason || redisRestartSkipReason)) {
  throw new Error(`SAKER_REQUIRE_REDIS=1 but ${redisRestartSkipReason ?? redisSkipReason}`);
}
if (redisSkipReason) console.warn(redisSkipReason);

export interface RedisServer {
  url: string;
  /** Unique per server: tests sharing an external Redis keep their keys apart with it. */
  prefix: string;
  /** Stops the server (SIGTERM saves the append-only file first; SIGKILL does not). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port with the same data directory. */
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open but nothing is answered. `resume` thaws it. */
  pause(): void;
  resume(): void;
  /** A fresh client, closed by `close()`. */
  client(): Redis;
  close(): Promise<void>;
}

export interface RedisServerOptions {
  /** Keep an append-only file (fsync every second) in a temp dir, so that data survives `stop`/`start`. */
  persistent?: boolean;
  /** Extra `--name value` pairs for redis-server. */
  config?: Record<string, string>;
}

let serial = 0;

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const prefix = `t${process.pid}x${++serial}`;
  if (!HAS_BINARY) {
    if (!EXTERNAL_URL) throw new Error(redisSkipReason);
    if (options.persistent || options.config) throw new Error(redisRestartSkipReason);
    return externalServer(EXTERNAL_URL, prefix);
  }
  return privateServer(prefix, options);
}

async function privateServer(prefix: string, options: RedisServerOptions): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'saker-redis-'));
  const clients: Redis[] = [];
  let port = 0;
  let child: ChildProcess | undefined;

  const args = (): string[] => {
    const config: Record<string, string> = {
      port: String(port),
      bind: '127.0.0.1',
      dir,
      save: '',
      appendonly: options.persistent ? 'yes' : 'no',
      appendfsync: 'everysec',
      'maxmemory-policy': 'noeviction',
      ...options.config,
    };
    return Object.entries(config).flatMap(([k, v]) => [`--${k}`, v]);
  };

  const launch = async (): Promise<void> => {
    const proc = spawn('redis-server', args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const code = await Promise.race([exited, sleep(50).then(() => 'running' as const)]);
      if (code !== 'running') throw new Error(`redis-server exited (${String(code)}): ${output.slice(-500)}`);
      if (output.includes('Ready to accept connections')) break;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not start: ${output.slice(-500)}`);
      }
    }
    child = proc;
  };

  for (let tries = 0; ; tries++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      // Another process may have taken the port between our probe and redis-server's bind.
      if (tries >= 3) throw err;
    }
  }

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    child = undefined;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await exited;
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    prefix,
    stop,
    start: launch,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    client() {
      const client = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: null });
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.disconnect();
      child?.kill('SIGCONT');
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function externalServer(url: string, prefix: string): RedisServer {
  const clients: Redis[] = [];
  const unsupported = () => Promise.reject(new Error(redisRestartSkipReason));
  return {
    url,
    prefix,
    stop: unsupported,
    start: unsupported,
    pause: () => {
      throw new Error(redisRestartSkipReason);
    },
    resume: () => {},
    client() {
      const client = new Redis(url, { maxRetriesPerRequest: null });
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
    async close() {
      // Leave a shared Redis as we found it: delete this server's keys only.
      const client = new Redis(url);
      const stream = client.scanStream({ match: `${prefix}*`, count: 1000 });
      for await (const keys of stream as AsyncIterable<string[]>) if (keys.length > 0) await client.del(...keys);
      client.disconnect();
      for (const c of clients) c.disconnect();
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
