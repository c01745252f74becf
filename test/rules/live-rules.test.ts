// Live rule reload: a changed rule file is loaded in the background and swapped in when it loads without
// errors; a broken one leaves the running rules in place and is logged with file:line:column. SIGHUP does
// the same in a real `saker run`.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { LiveRules } from '../../src/rules/live-rules.js';
import { auditJson, auditOf } from '../capture/k8saudit-events.js';
import { sakerProcess, waitFor } from '../cli/saker.js';
import { startTestService } from '../helpers/service.js';

const dir = mkdtempSync(join(tmpdir(), 'saker-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rule = (name: string, verb: string) => `
- rule: ${name}
  desc: requests with verb ${verb}
  condition: ka.verb = ${verb}
  output: ${verb} by %ka.user.name
  priority: NOTICE
  source: k8s_audit
`;
const BROKEN = `
- rule: Broken
  desc: a typo
  condition: ka.verb = get and ka.nosuchfield = 1
  output: o
  priority: NOTICE
  source: k8s_audit
`;

function memoryLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { logger, lines };
}

const settings = (files: string[], watch: boolean) => ({ files, match: 'first' as const, minimumPriority: 'Debug' as const, sources: ['k8s_audit'], watch });
const create = auditOf(auditJson({ verb: 'create' }));
const fired = (live: LiveRules) => live.evaluate('k8s_audit', create).map((a) => a.rule);

describe('live rules', () => {
  it('refuses to start with rules that do not load', async () => {
    const file = join(dir, 'start-broken.yaml');
    writeFileSync(file, BROKEN);
    await expect(LiveRules.start(settings([file], false), memoryLogger().logger)).rejects.toThrow(/start-broken.yaml:4:\d+: LOAD_ERR_COMPILE_CONDITION/);
  });

  it('swaps in changed rules, and keeps the running ones when the change does not load', async () => {
    const file = join(dir, 'watched.yaml');
    writeFileSync(file, rule('Creates', 'create'));
    const { logger, lines } = memoryLogger();
    const live = await LiveRules.start(settings([file], true), logger);
    try {
      expect(fired(live)).toEqual(['Creates']);

      writeFileSync(file, rule('Creates v2', 'create'));
      await waitFor('the new rule', () => (fired(live)[0] === 'Creates v2' ? true : undefined), 10_000);
      expect(lines.some((l) => String(l['msg']).startsWith('rules: reloaded 1 rules from 1 files'))).toBe(true);

      writeFileSync(file, BROKEN);
      await waitFor('the reload failure', () => lines.find((l) => String(l['msg']).includes('reload failed; keeping the running rules')), 10_000);
      expect(lines.some((l) => /watched\.yaml:4:\d+: LOAD_ERR_COMPILE_CONDITION rule 'Broken'/.test(String(l['msg'])))).toBe(true);
      expect(fired(live)).toEqual(['Creates v2']);
    } finally {
      live.close();
    }
  });

  it('folds reloads asked for during a reload into one more', async () => {
    const file = join(dir, 'folded.yaml');
    writeFileSync(file, rule('Creates', 'create'));
    const live = await LiveRules.start(settings([file], false), memoryLogger().logger);
    const first = live.reload('test 1');
    writeFileSync(file, rule('Creates later', 'create'));
    const second = live.reload('test 2');
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    expect(fired(live)).toEqual(['Creates later']);
  });
});

describe('SIGHUP in saker run', () => {
  it('reloads the rules without stopping saker', async () => {
    const file = join(dir, 'sighup.yaml');
    writeFileSync(file, rule('Gets', 'get'));
    const { child, lines } = sakerProcess(['run'], {
      LISTENADDRESS: '127.0.0.1',
      LISTENPORT: '0',
      RULES_FILES: file,
      RULES_WATCH: 'false',
      STDOUT_ENABLED: 'false',
    });
    try {
      const port = await waitFor('saker to listen', () => {
        for (const l of lines) {
          const m = /saker listening on [^:]+:(\d+)/.exec(l);
          if (m) return Number(m[1]);
        }
        return undefined;
      });
      const post = async () =>
        (await (await fetch(`http://127.0.0.1:${port}/k8s-audit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(auditJson()) })).json()) as { alerts: number };
      expect((await post()).alerts).toBe(0);
      writeFileSync(file, rule('Creates', 'create'));
      child.kill('SIGHUP');
      await waitFor('the reload', () => lines.find((l) => l.includes('rules: reloaded')));
      expect((await post()).alerts).toBe(1);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});

describe('watching a rules folder', () => {
  it('picks up a new rules file in it', async () => {
    const folder = join(dir, 'rules.d');
    mkdirSync(folder);
    writeFileSync(join(folder, '10_gets.yaml'), rule('Gets', 'get'));
    const live = await LiveRules.start(settings([folder], true), memoryLogger().logger);
    try {
      expect(fired(live)).toEqual([]);
      writeFileSync(join(folder, '20_creates.yaml'), rule('Creates', 'create'));
      await waitFor('the new file', () => (fired(live)[0] === 'Creates' ? true : undefined), 10_000);
    } finally {
      live.close();
    }
  });
});

// A ConfigMap mounted as a volume, as the kubelet lays it out: `local.yaml -> ..data/local.yaml`,
// `..data -> ..v1`; an update writes a new folder and swaps `..data` with a rename.
function configMapVolume(name: string, content: string): string {
  const cm = join(dir, name);
  mkdirSync(join(cm, '..v1'), { recursive: true });
  writeFileSync(join(cm, '..v1', 'local.yaml'), content);
  symlinkSync('..v1', join(cm, '..data'));
  symlinkSync('..data/local.yaml', join(cm, 'local.yaml'));
  return cm;
}

/** The kubelet's update of the volume, with the commands it amounts to. */
function kubeletUpdate(cm: string, from: string, to: string, content: string): void {
  mkdirSync(join(cm, to));
  writeFileSync(join(cm, to, 'local.yaml'), content);
  execFileSync('sh', ['-c', `ln -s ${to} cm/..data_tmp && mv -T cm/..data_tmp cm/..data && rm -rf cm/${from}`], {
    cwd: dir,
    env: { ...process.env, PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
  });
}

describe('rules from a Kubernetes ConfigMap volume', () => {
  it.each(['the folder', 'the file'])('reloads when the kubelet swaps ..data, with RULES_FILES naming %s', async (given) => {
    rmSync(join(dir, 'cm'), { recursive: true, force: true });
    const cm = configMapVolume('cm', rule('Creates', 'create'));
    const { logger, lines } = memoryLogger();
    const live = await LiveRules.start(settings([given === 'the folder' ? cm : join(cm, 'local.yaml')], true), logger);
    try {
      expect(fired(live)).toEqual(['Creates']);
      kubeletUpdate(cm, '..v1', '..v2', rule('Creates from v2', 'create'));
      await waitFor('the swapped rules', () => (fired(live)[0] === 'Creates from v2' ? true : undefined), 10_000);
      expect(lines.find((l) => l['msg'] === 'rules: reloading')?.['trigger']).toBe(`changed: ${join(cm, 'local.yaml')}`);
      // The new target folder is watched, the deleted one is not.
      expect(live.watchedFolders).toContain(join(cm, '..v2'));
      expect(live.watchedFolders).not.toContain(join(cm, '..v1'));

      kubeletUpdate(cm, '..v2', '..v3', rule('Creates from v3', 'create'));
      await waitFor('the second swap', () => (fired(live)[0] === 'Creates from v3' ? true : undefined), 10_000);
    } finally {
      live.close();
    }
  });

  it('does not reload when the folder changes and the rule files do not', async () => {
    const folder = join(dir, 'quiet.d');
    mkdirSync(folder);
    writeFileSync(join(folder, 'rules.yaml'), rule('Creates', 'create'));
    const { logger, lines } = memoryLogger();
    const live = await LiveRules.start(settings([folder], true), logger);
    try {
      writeFileSync(join(folder, 'notes.txt'), 'not rules');
      await waitFor('the comparison', () => lines.find((l) => String(l['msg']).includes('the rule files did not')), 10_000);
      expect(lines.some((l) => l['msg'] === 'rules: reloading')).toBe(false);
      expect(live.status.reloads).toEqual({ succeeded: 0, failed: 0 });
    } finally {
      live.close();
    }
  });
});

describe('reload failures are visible', () => {
  it('in /metrics and in /healthz (which stays 200), and clear again after a good reload', async () => {
    rmSync(join(dir, 'cm'), { recursive: true, force: true });
    const cm = configMapVolume('cm', rule('Creates', 'create'));
    const saker = await startTestService({ env: { RULES_FILES: cm, RULES_SOURCES: 'k8s_audit' } });
    const metric = async (name: string) => {
      const text = await (await fetch(`${saker.url}/metrics`)).text();
      return text
        .split('\n')
        .filter((l) => l.startsWith(name))
        .map((l) => l.replace(/ [\d.e+]+$/, (v) => ` ${Number(v).toString()}`));
    };
    try {
      expect(await metric('saker_rules_loaded{')).toEqual(['saker_rules_loaded{source="k8s_audit"} 1']);
      expect(await metric('saker_rules_last_reload_success')).toEqual(['saker_rules_last_reload_success 1']);
      expect(await metric('saker_rules_reloads_total')).toEqual(['saker_rules_reloads_total{result="success"} 0', 'saker_rules_reloads_total{result="failure"} 0']);

      kubeletUpdate(cm, '..v1', '..v2', BROKEN);
      await waitFor('the failed reload', () => saker.logs.find((l) => String(l['msg']).includes('reload failed')), 10_000);
      expect(saker.logs.some((l) => /local\.yaml:4:\d+: LOAD_ERR_COMPILE_CONDITION/.test(String(l['msg'])))).toBe(true);
      expect(await metric('saker_rules_last_reload_success')).toEqual(['saker_rules_last_reload_success 0']);
      expect(await metric('saker_rules_last_reload_errors')).toEqual(['saker_rules_last_reload_errors 1']);
      expect(await metric('saker_rules_reloads_total')).toEqual(['saker_rules_reloads_total{result="success"} 0', 'saker_rules_reloads_total{result="failure"} 1']);
      expect(await metric('saker_rules_loaded{')).toEqual(['saker_rules_loaded{source="k8s_audit"} 1']);
      const health = await fetch(`${saker.url}/healthz`);
      const body = (await health.json()) as { status: string; rules: string };
      expect(health.status).toBe(200);
      expect(body.status).toBe('ok');
      expect(body.rules).toMatch(/^the last rules reload failed \(.+, 1 error\); the rules loaded .+ are running\. The errors are in saker's log/);
      // The running rules still answer.
      expect((await (await saker.post('/k8s-audit', auditJson())).json()) as { alerts: number }).toMatchObject({ alerts: 1 });

      kubeletUpdate(cm, '..v2', '..v3', rule('Creates', 'create') + rule('Gets', 'get'));
      await waitFor('the good reload', () => saker.logs.find((l) => String(l['msg']).startsWith('rules: reloaded')), 10_000);
      expect(await metric('saker_rules_last_reload_success')).toEqual(['saker_rules_last_reload_success 1']);
      expect(await metric('saker_rules_reloads_total')).toEqual(['saker_rules_reloads_total{result="success"} 1', 'saker_rules_reloads_total{result="failure"} 1']);
      expect(await metric('saker_rules_loaded{')).toEqual(['saker_rules_loaded{source="k8s_audit"} 2']);
      expect(await (await fetch(`${saker.url}/healthz`)).json()).toEqual({ status: 'ok' });
    } finally {
      await saker.stop();
    }
  });
});
