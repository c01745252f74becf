// The HTTP load generator of the ingest benchmark. The targets count the generator in: it shares the
// 2-core machine with saker. autocannon (JavaScript) spends 35–70 µs of CPU per request, half of what saker
// itself spends, so on these machines it takes the CPU that saker would answer with. wrk (C, Debian's `wrk`
// package) spends ~10 µs per request; it is used when it is on the PATH, unless BENCH_GENERATOR=autocannon.
// A fixed request rate (open loop) needs autocannon's rate limiter: wrk has none.

import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoadRequest {
  url: string;
  body: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** Requests per second for the whole run; as fast as answers come when absent. */
  rate?: number;
}

export interface LoadResult {
  generator: 'wrk' | 'autocannon';
  /** Responses with a 2xx status. */
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU seconds (user + system) the generator used, when it ran as a process of its own. */
  cpuSeconds?: number;
}

/** Which generator runs the throughput scenarios: wrk when installed, unless BENCH_GENERATOR says otherwise. */
export function throughputGenerator(): 'wrk' | 'autocannon' {
  const asked = process.env['BENCH_GENERATOR'];
  if (asked === 'wrk' || asked === 'autocannon') return asked;
  if (asked) throw new Error(`BENCH_GENERATOR=${asked}: use wrk or autocannon`);
  return spawnSync('wrk', ['--version']).error ? 'autocannon' : 'wrk';
}

export async function generateLoad(request: LoadRequest): Promise<LoadResult> {
  return request.rate === undefined && throughputGenerator() === 'wrk' ? runWrk(request) : runAutocannon(request);
}

async function runAutocannon({ url, body, connections, duration, rate }: LoadRequest): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration,
    ...(rate ? { overallRate: rate } : {}),
  });
  return {
    generator: 'autocannon',
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

// wrk reads the body from a file named by an environment variable, and its `done` hook prints the summary
// as one JSON line (latencies in µs; `status` counts responses of status ≥ 400).
const WRK_SCRIPT = `
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.body = f:read("*a")
f:close()
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"status":%d,"errors":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

async function runWrk({ url, body, connections, duration }: LoadRequest): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'saker-wrk-'));
  try {
    writeFileSync(join(dir, 'post.lua'), WRK_SCRIPT);
    writeFileSync(join(dir, 'body.json'), body);
    // bash's `times` prints the CPU time of the shell's finished children (here: wrk) on its last line.
    const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--timeout', '10s', '-s', join(dir, 'post.lua'), url];
    const child = spawn('bash', ['-c', 'wrk "$@" && times', 'wrk', ...args], {
      env: { ...process.env, BENCH_BODY_FILE: join(dir, 'body.json') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const summaryLine = out.split('\n').find((line) => line.startsWith('{"requests"'));
    if (code !== 0 || !summaryLine) throw new Error(`wrk failed (exit ${code}):\n${out}`);
    const summary = JSON.parse(summaryLine) as { requests: number; status: number; errors: number; p50: number; p99: number };
    // `times`' last line: the children's user and system time, as `0m0.300s 0m0.590s`.
    const seconds = [...out.trim().split('\n').at(-1)!.matchAll(/(\d+)m([\d.]+)s/g)].map(([, m, s]) => Number(m) * 60 + Number(s));
    return {
      generator: 'wrk',
      ok: summary.requests - summary.status,
      non2xx: summary.status,
      errors: summary.errors,
      p50Ms: summary.p50 / 1000,
      p99Ms: summary.p99 / 1000,
      cpuSeconds: seconds.length === 2 ? seconds[0]! + seconds[1]! : undefined,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
