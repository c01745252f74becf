// The built CLI as a user runs it (`npm start` is `node dist/src/cli.js run`): a real child process.
// `npm test` builds dist/ first (pretest).

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpSink } from '../peers/http-sink.js';
import { alert } from '../helpers/service.js';
import { waitUntil } from '../helpers/wait.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const children: ChildProcess[] = [];
const sinks: HttpSink[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const sink of sinks.splice(0)) await sink.close();
});

function saker(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, cwd }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

interface Server {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'run', '--port', '0'], {
    env: { PATH: process.env['PATH'] ?? '', LISTENADDRESS: '127.0.0.1', ...env },
    cwd: mkdtempSync(join(tmpdir(), 'saker-cwd-')),
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = /"port":(\d+)[^\n]*saker listening/.exec(stderr);
    if (m) return { child, url: `http://127.0.0.1:${m[1]}`, stdout: () => stdout, stderr: () => stderr, exited };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`saker did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('saker (the built command)', () => {
  it('answers --help for itself and its subcommands, and prints its version', async () => {
    const help = await saker(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/run \[options\]/);
    expect(help.stdout).toMatch(/dlq/);
    const runHelp = await saker(['run', '--help']);
    expect(runHelp.code).toBe(0);
    expect(runHelp.stdout).toContain('WEBHOOK_MINIMUMPRIORITY');
    expect((await saker(['version'])).stdout).toMatch(/^saker \d+\.\d+\.\d+\n$/);
    const version = await saker(['--version']);
    expect([version.code, version.stdout]).toEqual([0, (await saker(['version'])).stdout]);
    // The README's way to run the command from the checkout, where npm ci does not put it on PATH.
    const npx = await new Promise<{ code: number | null; stdout: string }>((resolve) =>
      execFile('npx', ['--no-install', 'saker', '--version'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 60_000 }, (err, stdout) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
      ),
    );
    expect(npx).toEqual({ code: 0, stdout: version.stdout });
    expect((await saker(['run', '--nope'])).code).toBe(2);
    // Eight processes, each compiling the CLI's TypeScript: over the default 30 s on a busy machine.
  }, 90_000);

  it('exits 2 naming the key on invalid configuration, from the environment or ./config.yaml', async () => {
    const fromEnv = await saker(['run'], { WEBHOOK_MINIMUMPRIORITY: 'warn' });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain("webhook.minimumpriority (environment variable WEBHOOK_MINIMUMPRIORITY): 'warn' is not a priority");
    const dir = mkdtempSync(join(tmpdir(), 'saker-cfg-'));
    writeFileSync(join(dir, 'config.yaml'), 'listenport: many\n');
    const fromFile = await saker(['run'], {}, dir);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain("config.yaml:1:1: listenport: 'many' is not an integer");
    const missing = await saker(['run', '-c', join(dir, 'absent.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('absent.yaml: cannot read the configuration file');
  });

  it('reports every configuration problem at once, each where its key was set, including those the outputs find', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saker-cfg-'));
    writeFileSync(
      join(dir, 'config.yaml'),
      ['webhook:', '  address: ftp://collector/alerts', '  minimumpriority: warn', 'slack:', '  token: xoxb-1', 'syslog:', '  host: siem', '  port: 99999'].join('\n'),
    );
    const fromFile = await saker(['run'], { FILE_PATH: '/tmp/x.jsonl', FILE_MAXATTEMPTS: 'many', LOG_LEVEL: 'loud' }, dir);
    expect(fromFile.code).toBe(2);
    const lines = fromFile.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('saker: invalid configuration:');
    expect(lines.slice(1).map((l) => l.trim())).toEqual([
      "log.level (environment variable LOG_LEVEL): 'loud' is not one of fatal, error, warn, info, debug, trace",
      "file.maxattempts (environment variable FILE_MAXATTEMPTS): 'many' is not an integer",
      "config.yaml:3:3: webhook.minimumpriority: 'warn' is not a priority; use one of Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug (case-insensitive) or info",
      'config.yaml:8:3: syslog.port: 99999 is above the maximum of 65535',
      'config.yaml:2:3: webhook.address: the scheme must be http or https, not ftp',
      'config.yaml:4:1: slack.channel: required with token (chat.postMessage needs a channel)',
    ]);

    const fromEnv = await saker(['run'], { WEBHOOK_ADDRESS: 'ftp://collector/alerts', WEBHOOK_MINIMUMPRIORITY: 'warn' });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain("webhook.minimumpriority (environment variable WEBHOOK_MINIMUMPRIORITY): 'warn' is not a priority");
    expect(fromEnv.stderr).toContain('webhook.address (environment variable WEBHOOK_ADDRESS): the scheme must be http or https, not ftp');

    // A refused value is quoted, but not a password written into a URL.
    const urlPassword = await saker(['run'], { ELASTICSEARCH_HOSTPORT: 'ftp://elastic:URLPWSECRET@127.0.0.1:3999' });
    expect(urlPassword.code).toBe(2);
    expect(urlPassword.stderr).toContain("elasticsearch.hostport (environment variable ELASTICSEARCH_HOSTPORT): expected http(s)://host:port, got 'ftp://elastic:***@127.0.0.1:3999'");
    expect(urlPassword.stderr).not.toContain('URLPWSECRET');
  });

  it("warns at start-up about settings of Falcosidekick outputs saker does not have", async () => {
    const server = await startServer({ LOKI_HOSTPORT: 'http://loki:3100', STDOUT_ENABLED: 'false' });
    const warning = server
      .stderr()
      .split('\n')
      .find((line) => line.includes('LOKI_HOSTPORT'));
    expect(JSON.parse(warning!)).toMatchObject({
      level: 40,
      msg: "configuration: environment variable LOKI_HOSTPORT: saker has no 'loki' output (Falcosidekick's); its settings are ignored",
    });
  });

  it('prints alerts on stdout, delivers them to the webhook and a file, serves saker dlq, and drains on SIGTERM before exiting 0', async () => {
    const sink = await HttpSink.start();
    sinks.push(sink);
    const file = join(mkdtempSync(join(tmpdir(), 'saker-out-')), 'alerts.jsonl');
    const server = await startServer({ WEBHOOK_ADDRESS: sink.url(), FILE_PATH: file, SHUTDOWNTIMEOUT: '10s' });
    expect(server.stderr()).toContain('embedded queue: alerts wait in this process until delivered');

    expect((await post(server.url, alert({ uuid: 'first' }))).status).toBe(200);
    await sink.waitForAlerts(1);
    await waitUntil('a line on stdout', () => server.stdout().includes('\n'));
    expect(server.stdout()).toBe('01:02:03.123456789: Notice A shell was spawned in a container (user=root)\n');

    const list = await saker(['dlq', 'list', '--url', server.url]);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^OUTPUT\s+QUEUED\s+DEAD LETTERS$/);
    expect(list.stdout).toMatch(/^webhook\s+0\s+0$/m);
    const unknown = await saker(['dlq', 'list', 'slack', '--url', server.url]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no output 'slack'");

    // Slow answers: the SIGTERM arrives while these are still queued or in flight.
    sink.fallback = { status: 200, delayMs: 150 };
    expect((await post(server.url, [alert({ uuid: 'a' }), alert({ uuid: 'b' }), alert({ uuid: 'c' })])).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(sink.alerts.map((a) => a['uuid'])).toEqual(['first', 'a', 'b', 'c']);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { uuid: string }).uuid)).toEqual(['first', 'a', 'b', 'c']);
    expect(server.stderr()).toMatch(/SIGTERM: shutting down[\s\S]*"msg":"stopped"/);
  });

  it('names the alerts it loses at shutdown, after the drain time and on a second signal', async () => {
    const sink = await HttpSink.start();
    sinks.push(sink);
    sink.fallback = { status: 503 };
    const env = { WEBHOOK_ADDRESS: sink.url(), STDOUT_ENABLED: 'false', WEBHOOK_BACKOFF_INITIAL: '50ms', WEBHOOK_MAXATTEMPTS: '100' };
    const lostLines = (server: Server) =>
      server
        .stderr()
        .split('\n')
        .filter((l) => l.includes('lost alert'))
        .map((l) => (JSON.parse(l) as { output: string; alert: { uuid: string } }))
        // Sent by concurrent requests, the alerts may fail in either order.
        .sort((a, b) => a.alert.uuid.localeCompare(b.alert.uuid));

    const drained = await startServer({ ...env, SHUTDOWNTIMEOUT: '200ms' });
    expect((await post(drained.url, [alert({ uuid: 'lost-1', rule: 'Rule one' }), alert({ uuid: 'lost-2', priority: 'Critical' })])).status).toBe(200);
    await waitUntil('a failed delivery', () => sink.requests.length > 0);
    drained.child.kill('SIGTERM');
    expect(await drained.exited).toBe(0);
    expect(drained.stderr()).toContain("2 alert(s) for output 'webhook' were not delivered before shutdown and are lost");
    expect(lostLines(drained)).toEqual([
      expect.objectContaining({ output: 'webhook', alert: { uuid: 'lost-1', rule: 'Rule one', priority: 'Notice', time: '2026-11-29T01:02:03.123456789Z' } }),
      expect.objectContaining({ output: 'webhook', alert: expect.objectContaining({ uuid: 'lost-2', priority: 'Critical' }) }),
    ]);

    const impatient = await startServer({ ...env, SHUTDOWNTIMEOUT: '30s' });
    expect((await post(impatient.url, alert({ uuid: 'lost-3' }))).status).toBe(200);
    impatient.child.kill('SIGTERM');
    await waitUntil('the drain to start', () => impatient.stderr().includes('letting outputs deliver what is queued'));
    impatient.child.kill('SIGTERM');
    expect(await impatient.exited).toBe(1);
    expect(impatient.stderr()).toContain("1 alert(s) for output 'webhook' are not delivered yet and are lost: saker exits without waiting for the outputs");
    expect(lostLines(impatient)).toEqual([expect.objectContaining({ output: 'webhook', alert: expect.objectContaining({ uuid: 'lost-3' }) })]);
  });

  it('replays and purges dead letters with saker dlq', async () => {
    const sink = await HttpSink.start();
    sinks.push(sink);
    sink.fallback = { status: 422, body: 'bad' };
    const server = await startServer({ WEBHOOK_ADDRESS: sink.url(), STDOUT_ENABLED: 'false', AUTH_TOKENS: 'cli-token-1' });
    const res = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer cli-token-1' },
      body: JSON.stringify([alert({ uuid: 'x', rule: 'Rule X' }), alert({ uuid: 'y' })]),
    });
    expect(res.status).toBe(200);
    await waitUntil('2 dead letters', async () => {
      const summary = (await (await fetch(`${server.url}/api/v1/dlq`, { headers: { authorization: 'Bearer cli-token-1' } })).json()) as {
        outputs: Record<string, { deadLetters: number }>;
      };
      return summary.outputs['webhook']!.deadLetters === 2;
    });

    const denied = await saker(['dlq', 'list', 'webhook', '--url', server.url]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('HTTP 401');
    const env = { SAKER_URL: server.url, SAKER_TOKEN: 'cli-token-1' };
    const list = await saker(['dlq', 'list', 'webhook'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+FAILED AT\s+ATTEMPTS\s+PRIORITY\s+RULE\s+ERROR$/m);
    // The id is the alert's uuid, as with the Redis queue.
    expect(list.stdout).toMatch(/^x\s+\S+\s+1\s+Notice\s+Rule X\s+webhook answered HTTP 422: bad$/m);
    expect(list.stdout).toContain('2 of 2 shown');
    const json = JSON.parse((await saker(['dlq', 'list', 'webhook', '--json'], env)).stdout) as { total: number };
    expect(json.total).toBe(2);

    // Retried and failed again, a dead letter keeps its id.
    const again = await saker(['dlq', 'retry', 'webhook', 'x'], env);
    expect([again.code, again.stdout]).toEqual([0, '1 dead letter(s) of webhook queued again\n']);
    await sink.waitForRequests(3);
    await waitUntil('x to die again', async () => /^x\s/m.test((await saker(['dlq', 'list', 'webhook'], env)).stdout));

    sink.fallback = { status: 200 };
    const partly = await saker(['dlq', 'retry', 'webhook', 'x', '99'], env);
    expect(partly.stdout).toBe('1 dead letter(s) of webhook queued again\n');
    expect(partly.stderr).toBe("saker dlq retry: no dead letter 99 for webhook (already retried or purged, or a wrong id: `saker dlq list webhook` shows the ids)\n");
    expect(partly.code).toBe(1);
    await sink.waitForRequests(4);
    expect(sink.requests[3]!.json).toMatchObject({ uuid: 'x' });
    expect((await saker(['dlq', 'retry', 'webhook'], env)).code).toBe(2);
    expect((await saker(['dlq', 'list', '--url', 'notaurl'])).code).toBe(2);
    const noCert = await saker(['dlq', 'list', '--url', 'https://127.0.0.1:1', '--cert', '/nonexistent/client.crt', '--key', '/nonexistent/client.key']);
    expect([noCert.code, noCert.stderr]).toEqual([1, "saker dlq: --cert: cannot read '/nonexistent/client.crt': ENOENT\n"]);
    expect((await saker(['dlq', 'purge', 'webhook'], env)).stdout).toBe('1 dead letter(s) of webhook deleted\n');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
