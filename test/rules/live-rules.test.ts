// Live rule reload: a changed rule file is loaded in the background and swapped in when it loads without
// errors; a broken one leaves the running rules in place and is logged with file:line:column. SIGHUP does
// the same in a real `saker run`.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { LiveRules } from '../../src/rules/live-rules.js';
import { auditJson, auditOf } from '../capture/k8saudit-events.js';
import { sakerProcess, waitFor } from '../cli/saker.js';

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
