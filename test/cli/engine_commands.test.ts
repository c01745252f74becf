// The engine's CLI commands, run as real child processes (the TypeScript sources through vite-node, so the
// test needs no build step).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const VITE_NODE = join(ROOT, 'node_modules', 'vite-node', 'vite-node.mjs');

function saker(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [VITE_NODE, join(ROOT, 'src/cli.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;

const GOOD = `- list: shells
  items: [bash, sh]
- rule: shell started
  desc: a shell started
  condition: evt.type = execve and proc.name in (shells)
  output: shell %proc.name
  priority: WARNING
  tags: [shell, process]
`;

const BAD = `- rule: broken
  desc: broken rule
  condition: evt.type = execve and proc.nobody = x
  output: o
  priority: INFO
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'saker-cli-'));
  mkdirSync(join(dir, 'rules.d'));
  writeFileSync(join(dir, 'rules.d', '20_more.yml'), '- macro: unused\n  condition: evt.type = open\n');
  writeFileSync(join(dir, 'rules.d', '10_good.yaml'), GOOD);
  writeFileSync(join(dir, 'rules.d', 'notes.txt'), 'not a rules file');
  writeFileSync(join(dir, 'bad.yaml'), BAD);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('saker validate', () => {
  it('loads a directory in name order and exits 0 when there are only warnings', () => {
    const r = saker('validate', '-r', join(dir, 'rules.d'), '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { files: Array<{ path: string; ok: boolean; warnings: Array<{ code: string }> }> };
    expect(out.files.map((f) => [f.path.slice(dir.length + 1), f.ok])).toEqual([
      ['rules.d/10_good.yaml', true],
      ['rules.d/20_more.yml', true],
    ]);
    expect(out.files[1]?.warnings.map((w) => w.code)).toEqual(['LOAD_UNUSED_MACRO']);
  });

  it('exits 1 and reports errors with file, line and column', () => {
    const r = saker('validate', '-r', join(dir, 'rules.d', '10_good.yaml'), '-r', join(dir, 'bad.yaml'), '--json');
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { files: Array<{ ok: boolean; errors: unknown[] }> };
    expect(out.files.map((f) => f.ok)).toEqual([true, false]);
    expect(out.files[1]?.errors).toEqual([
      {
        code: 'LOAD_ERR_COMPILE_CONDITION',
        item_type: 'rule',
        item_name: 'broken',
        message: 'filter_check called with nonexistent field proc.nobody',
        file: join(dir, 'bad.yaml'),
        line: 3,
        column: 36,
      },
    ]);
    const text = saker('validate', '-r', join(dir, 'bad.yaml'));
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`${join(dir, 'bad.yaml')}: Invalid`);
    expect(text.stdout).toContain(`${join(dir, 'bad.yaml')}:3:36: LOAD_ERR_COMPILE_CONDITION rule 'broken'`);
  });

  it('reports a missing file as LOAD_ERR_FILE_READ, and usage errors with status 2', () => {
    const r = saker('validate', '-r', join(dir, 'missing.yaml'), '--json');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('LOAD_ERR_FILE_READ');
    expect(saker('validate').status).toBe(2);
  });

  it('takes paths as arguments too, after those of -r', () => {
    const r = saker('validate', '-r', join(dir, 'rules.d', '10_good.yaml'), join(dir, 'bad.yaml'), '--json');
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { files: Array<{ path: string; ok: boolean }> };
    expect(out.files.map((f) => [f.path.slice(dir.length + 1), f.ok])).toEqual([
      ['rules.d/10_good.yaml', true],
      ['bad.yaml', false],
    ]);
    expect(saker('validate', join(dir, 'rules.d')).status).toBe(0);
  });

  it('says so when a directory holds no rules files', () => {
    mkdirSync(join(dir, 'empty'));
    const r = saker('validate', '-r', join(dir, 'empty'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no rules files (*.yaml, *.yml) in');
  });
});

describe('saker rules list', () => {
  it('lists name, source, priority, enabled and tags', () => {
    const r = saker('rules', 'list', '-r', join(dir, 'rules.d'), '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        name: 'shell started',
        source: 'syscall',
        priority: 'Warning',
        enabled: true,
        tags: ['process', 'shell'],
        description: 'a shell started',
      },
    ]);
    const table = saker('rules', 'list', '-r', join(dir, 'rules.d'));
    expect(table.stdout.split('\n')[1]).toMatch(/^shell started\s+syscall\s+Warning\s+yes\s+process,shell$/);
  });

  it('fails with the errors on stderr when a file does not load', () => {
    const r = saker('rules', 'list', '-r', join(dir, 'bad.yaml'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('nonexistent field proc.nobody');
  });
});

describe('saker fields', () => {
  it('lists the fields of one source, or says which sources exist', () => {
    const r = saker('fields', '--source', 'k8s_audit', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { sources: Array<{ name: string; fields: Array<{ name: string }> }> };
    expect(out.sources.map((s) => s.name)).toEqual(['k8s_audit']);
    expect(out.sources[0]?.fields.map((f) => f.name)).toContain('ka.verb');
    const text = saker('fields', '--source', 'syscall');
    expect(text.stdout).toMatch(/^ {2}proc\.aname\[index\?\]\s+CHARBUF\b/m);
    const unknown = saker('fields', '--source', 'nope');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('sources: syscall, k8s_audit, aws_cloudtrail, json');
  });
});
