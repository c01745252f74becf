import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptDelivery } from '../../src/queue/delivery.js';
import { compileMatch } from '../../outputs/script-match.js';
import { envName, script } from '../../outputs/script.js';
import { build, captureLogger, makeAlert, policy } from './helpers.js';

let dir: string;
const signal = () => new AbortController().signal;

/** Writes an executable sh script into the test directory. */
function scriptFile(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** Alive and not a zombie waiting for a parent (this machine's PID 1 may not reap orphans). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** This process's script runners (children running script-runner.js), zombies aside. */
function runnerPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return state !== 'Z' && Number(ppid) === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('script-runner.js');
      } catch {
        return false;
      }
    });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'saker-script-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('script (scripted responses with real child processes)', () => {
  it('runs the argv with the alert on stdin, SAKER_* variables, chosen fields, cwd, and none of saker\'s secrets', async () => {
    const out = join(dir, 'record');
    const recorder = scriptFile('record.sh', `cat > "${out}.stdin"; env > "${out}.env"; printf '%s\\n' "$@" > "${out}.argv"; pwd > "${out}.pwd"`);
    process.env.SAKER_TEST_SECRET = 'do-not-leak';
    try {
      const output = build(script, { command: [recorder, '--label', 'quarantine=true'], cwd: tmpdir(), envfields: ['k8s.ns.name', 'container.id'], env: { RESPONDER_TOKEN: 't0k' } });
      const outcome = await attemptDelivery({ output, policy: policy() }, [makeAlert()], 1);
      expect(outcome.delivered).toHaveLength(1);
    } finally {
      delete process.env.SAKER_TEST_SECRET;
    }
    expect(JSON.parse(readFileSync(`${out}.stdin`, 'utf8'))).toEqual(makeAlert());
    expect(readFileSync(`${out}.argv`, 'utf8')).toBe('--label\nquarantine=true\n');
    expect(readFileSync(`${out}.pwd`, 'utf8').trim()).toBe(tmpdir());
    const env = readFileSync(`${out}.env`, 'utf8');
    expect(env).toContain('SAKER_RULE=Terminal shell in container\n');
    expect(env).toContain('SAKER_PRIORITY=Warning\n');
    expect(env).toContain('SAKER_SOURCE=syscall\n');
    expect(env).toContain('SAKER_HOSTNAME=node-1\n');
    expect(env).toContain(`SAKER_UUID=${makeAlert().uuid}\n`);
    expect(env).toContain('SAKER_TAGS=container,shell,mitre_execution\n');
    expect(env).toContain('SAKER_FIELD_K8S_NS_NAME=prod\n');
    expect(env).toContain('SAKER_FIELD_CONTAINER_ID=0123456789ab\n');
    expect(env).toContain('RESPONDER_TOKEN=t0k\n');
    expect(env).toContain(`PATH=${process.env.PATH}\n`);
    expect(env).not.toContain('do-not-leak');
  });

  it('never lets alert content reach a shell: $(…) and ; rm -rf stay data', async () => {
    const marker = join(dir, 'pwned');
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'still here');
    const out = join(dir, 'inject');
    const recorder = scriptFile('inject.sh', `cat > "${out}.stdin"; printf '%s' "$SAKER_FIELD_PROC_CMDLINE" > "${out}.field"; printf '%s' "$SAKER_RULE" > "${out}.rule"`);
    const evil = makeAlert({
      rule: `x$(touch ${marker})`,
      hostname: `\`touch ${marker}\``,
      output: `; rm -rf ${victim}; touch ${marker}`,
      output_fields: { 'proc.cmdline': `sh -c "$(touch ${marker})"; rm -rf ${victim} && touch ${marker} | touch ${marker}` },
    });
    const output = build(script, { command: [recorder, `$(touch ${marker})`], envfields: ['proc.cmdline'] });
    const outcome = await attemptDelivery({ output, policy: policy() }, [evil], 1);
    expect(outcome.delivered).toHaveLength(1);
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(victim, 'utf8')).toBe('still here');
    expect(readFileSync(`${out}.field`, 'utf8')).toBe(evil.output_fields['proc.cmdline']);
    expect(readFileSync(`${out}.rule`, 'utf8')).toBe(evil.rule);
    expect(JSON.parse(readFileSync(`${out}.stdin`, 'utf8'))).toEqual(evil);
  });

  it('exit 0 is done, 75 is retried, anything else is dead-lettered with the end of stderr', async () => {
    const code = scriptFile('code.sh', 'echo "kubectl: error: pods \\"web\\" not found" >&2; exit "$SAKER_FIELD_WANT"');
    const output = build(script, { command: [code], envfields: ['want'] });
    const run = (want: number) => attemptDelivery({ output, policy: policy() }, [makeAlert({ output_fields: { want } })], 1);
    expect((await run(0)).delivered).toHaveLength(1);
    expect((await run(75)).retry?.error).toBe(`${code} asked for a retry (exit code 75): kubectl: error: pods "web" not found`);
    expect((await run(3)).dead[0]?.error).toBe(`${code} exited with code 3: kubectl: error: pods "web" not found`);
  });

  it('keeps only the end of a long stderr', async () => {
    const noisy = scriptFile('noisy.sh', 'i=0; while [ $i -lt 400 ]; do echo "line $i of noise" >&2; i=$((i+1)); done; echo "the real reason" >&2; exit 1');
    const outcome = await attemptDelivery({ output: build(script, { command: [noisy] }), policy: policy() }, [makeAlert()], 1);
    const error = outcome.dead[0]!.error;
    expect(error.length).toBeLessThan(2200);
    expect(error).toMatch(/exited with code 1: …/);
    expect(error.endsWith('the real reason')).toBe(true);
  });

  it('kills a run that outlives the attempt, with what it started', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const slow = scriptFile('slow.sh', `sleep 30 & echo $! > "${pidFile}"; wait`);
    const output = build(script, { command: [slow], killgrace: '200ms' });
    const started = Date.now();
    const outcome = await attemptDelivery({ output, policy: policy({ timeoutMs: 400 }) }, [makeAlert()], 1);
    expect(outcome.retry?.error).toBe('timed out after 400 ms');
    expect(Date.now() - started).toBeLessThan(3000);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 500));
    expect(running(grandchild)).toBe(false);
  });

  it('runs at most maxprocesses commands at once, across concurrent sends', async () => {
    const runs = join(dir, 'runs');
    const counter = scriptFile(
      'count.sh',
      `mkdir -p "${runs}"; touch "${runs}/$SAKER_UUID.running"; ls "${runs}" | grep -c running >> "${runs}.counts"; sleep 0.3; rm "${runs}/$SAKER_UUID.running"`,
    );
    const output = build(script, { command: [counter], maxprocesses: 2 });
    expect(output.maxBatch).toBe(2);
    const batch = (n: number) => Array.from({ length: 3 }, (_, i) => makeAlert({ uuid: `b${n}-${i}` }));
    const started = Date.now();
    await Promise.all([output.send(batch(1), { attempt: 1, signal: signal() }), output.send(batch(2), { attempt: 1, signal: signal() })]);
    const elapsed = Date.now() - started;
    const counts = readFileSync(`${runs}.counts`, 'utf8').trim().split('\n').map(Number);
    expect(counts).toHaveLength(6);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(readdirSync(runs)).toEqual([]);
  });

  it('dry_run logs what it would run and runs nothing', async () => {
    const marker = join(dir, 'dry-ran');
    const toucher = scriptFile('touch.sh', `touch "${marker}"`);
    const { logger, lines } = captureLogger();
    const output = build(script, { command: [toucher, '--apply'], dry_run: true }, { logger });
    const outcome = await attemptDelivery({ output, policy: policy() }, [makeAlert()], 1);
    expect(outcome.delivered).toHaveLength(1);
    expect(existsSync(marker)).toBe(false);
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; argv?: string[] }).find((l) => l.msg.startsWith('dry run'));
    expect(logged?.argv).toEqual([toucher, '--apply']);
  });

  it('runs only for the alerts its match block selects', async () => {
    const log = join(dir, 'matched');
    const appender = scriptFile('append.sh', `echo "$SAKER_UUID" >> "${log}"`);
    const output = build(script, {
      command: [appender],
      'match.rules': ['Terminal shell in container', 'Write below etc'],
      'match.priority': '>=Warning',
      'match.tags': ['container,shell', 'mitre_persistence'],
      'match.output_fields': ['k8s.ns.name=prod', 'user.name!=nobody'],
      'match.source': 'syscall',
    });
    const alerts = [
      makeAlert({ uuid: 'yes' }),
      makeAlert({ uuid: 'other-rule', rule: 'Something else' }),
      makeAlert({ uuid: 'too-low', priority: 'Notice' }),
      makeAlert({ uuid: 'tags-partial', tags: ['container'] }),
      makeAlert({ uuid: 'tags-other-set', rule: 'Write below etc', priority: 'Critical', tags: ['mitre_persistence'] }),
      makeAlert({ uuid: 'wrong-ns', output_fields: { 'k8s.ns.name': 'dev', 'user.name': 'root' } }),
      makeAlert({ uuid: 'excluded-user', output_fields: { 'k8s.ns.name': 'prod', 'user.name': 'nobody' } }),
      makeAlert({ uuid: 'k8s', source: 'k8s_audit' }),
    ];
    const outcome = await attemptDelivery({ output, policy: policy() }, alerts, 1);
    expect(outcome.delivered).toHaveLength(alerts.length);
    expect(readFileSync(log, 'utf8').trim().split('\n').sort()).toEqual(['tags-other-set', 'yes']);
  });

  it('compares priorities both ways', () => {
    const fail = (k: string, p: string): never => {
      throw new Error(`${k}: ${p}`);
    };
    const m = (priority: string) => compileMatch({ rules: [], tags: [], outputFields: [], priority }, fail);
    expect(m('>=Critical')(makeAlert({ priority: 'Alert' }))).toBe(true);
    expect(m('>=Critical')(makeAlert({ priority: 'Error' }))).toBe(false);
    expect(m('<Warning')(makeAlert({ priority: 'Notice' }))).toBe(true);
    expect(m('<Warning')(makeAlert({ priority: 'Warning' }))).toBe(false);
    expect(m('info')(makeAlert({ priority: 'Informational' }))).toBe(true);
    expect(m('!=debug')(makeAlert({ priority: 'Debug' }))).toBe(false);
    expect(() => m('>=Warn')).toThrow("match.priority: expected a priority with an optional comparison (>=Critical, <Warning, =Error), got '>=Warn'");
  });

  it('fails at start-up on a command that cannot run, and at run time if it disappears', async () => {
    expect(() => build(script, { command: ['/nonexistent/respond'] })).toThrow('script.command: /nonexistent/respond is not an executable file');
    expect(() => build(script, { command: ['no-such-command-xyz'] })).toThrow('script.command: no-such-command-xyz is not an executable file on the PATH given to scripts');
    expect(() => build(script, { command: ['/bin/true'], cwd: '/nonexistent' })).toThrow('script.cwd: /nonexistent is not a directory');
    expect(() => build(script, { command: ['/bin/true'], 'match.output_fields': ['novalue'] })).toThrow("script.match.output_fields: expected field=value or field!=value, got 'novalue'");
    const doomed = scriptFile('doomed.sh', 'exit 0');
    const output = build(script, { command: [doomed] });
    rmSync(doomed);
    const outcome = await attemptDelivery({ output, policy: policy() }, [makeAlert()], 1);
    expect(outcome.dead[0]?.error).toMatch(/^cannot run .*doomed.sh: spawn .* ENOENT/);
  });

  it('fails the runs of a runner that dies as retryable, starts a new one, and ends its runners on close', async () => {
    // Other tests' outputs were never closed: their runners are still there.
    const earlier = new Set(runnerPids());
    const mine = () => runnerPids().filter((pid) => !earlier.has(pid));
    const flag = join(dir, 'linger');
    writeFileSync(flag, '');
    const output = build(script, { command: [scriptFile('linger.sh', `if [ -e "${flag}" ]; then sleep 5; fi`)], maxprocesses: 1 });
    const attempt = attemptDelivery({ output, policy: policy() }, [makeAlert()], 1);
    let runners: number[] = [];
    for (let i = 0; i < 100 && runners.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      runners = mine();
    }
    expect(runners).toHaveLength(1);
    process.kill(runners[0]!, 'SIGKILL');
    expect((await attempt).retry?.error).toMatch(/^the process starting commands exited \(SIGKILL\)/);
    rmSync(flag);
    expect((await attemptDelivery({ output, policy: policy() }, [makeAlert()], 1)).delivered).toHaveLength(1);
    expect(mine()).toHaveLength(1);
    await output.close();
    expect(mine()).toEqual([]);
  });

  it('names field variables predictably', () => {
    expect(envName('k8s.pod.name')).toBe('SAKER_FIELD_K8S_POD_NAME');
    expect(envName('proc.aname[2]')).toBe('SAKER_FIELD_PROC_ANAME_2');
  });
});
