// The engine's CLI commands, run as real child processes: the built command (`npm test` builds it first),
// asynchronously, so that this file never holds its worker's event loop for long (vitest's worker has to
// answer its runner within 60 s; a file of synchronous spawns on a busy machine did not).

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');

function saker(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      done({ status, stdout, stderr });
    });
  });
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
  it('loads a directory in name order and exits 0 when there are only warnings', async () => {
    const r = await saker('validate', '-r', join(dir, 'rules.d'), '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { files: Array<{ path: string; ok: boolean; warnings: Array<{ code: string }> }> };
    expect(out.files.map((f) => [f.path.slice(dir.length + 1), f.ok])).toEqual([
      ['rules.d/10_good.yaml', true],
      ['rules.d/20_more.yml', true],
    ]);
    expect(out.files[1]?.warnings.map((w) => w.code)).toEqual(['LOAD_UNUSED_MACRO']);
  });

  it('exits 1 and reports errors with file, line and column', async () => {
    const r = await saker('validate', '-r', join(dir, 'rules.d', '10_good.yaml'), '-r', join(dir, 'bad.yaml'), '--json');
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
    const text = await saker('validate', '-r', join(dir, 'bad.yaml'));
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(`${join(dir, 'bad.yaml')}: Invalid`);
    expect(text.stdout).toContain(`${join(dir, 'bad.yaml')}:3:36: LOAD_ERR_COMPILE_CONDITION rule 'broken'`);
  });

  it('takes the paths as arguments too, in the order given (-r takes several as well)', async () => {
    for (const args of [[join(dir, 'rules.d', '10_good.yaml'), join(dir, 'bad.yaml')], ['-r', join(dir, 'rules.d', '10_good.yaml'), join(dir, 'bad.yaml')]]) {
      const r = await saker('validate', ...args, '--json');
      expect(r.status).toBe(1);
      const out = JSON.parse(r.stdout) as { files: Array<{ path: string; ok: boolean }> };
      expect(out.files.map((f) => [f.path.slice(dir.length + 1), f.ok])).toEqual([
        ['rules.d/10_good.yaml', true],
        ['bad.yaml', false],
      ]);
    }
    expect((await saker('validate', join(dir, 'rules.d'))).status).toBe(0);
  });

  it("validates saker's own rules when no path is given", async () => {
    const r = await saker('validate', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { files: Array<{ path: string; ok: boolean; warnings: unknown[] }> };
    expect(out.files.map((f) => f.path.replace(/^.*\/rules\//, 'rules/'))).toEqual(['rules/saker_k8s_audit_rules.yaml', 'rules/saker_syscall_rules.yaml']);
    expect(out.files.every((f) => f.ok && f.warnings.length === 0)).toBe(true);
  });

  it('exits 2 with one line and a pointer to --help on every usage error: options, missing paths, empty folders', async () => {
    mkdirSync(join(dir, 'empty'));
    const cases: Array<[string[], string]> = [
      [['--bogus'], "unknown option '--bogus'"],
      [['-r', join(dir, 'missing.yaml')], `${join(dir, 'missing.yaml')}: no such rules file or folder`],
      [[join(dir, 'missing.yaml')], `${join(dir, 'missing.yaml')}: no such rules file or folder`],
      [['-r', join(dir, 'empty')], `no rules files (*.yaml, *.yml) in ${join(dir, 'empty')}`],
      [[join(dir, 'bad.yaml'), '-r', join(dir, 'rules.d')], 'name the rules files either as arguments or with -r, not both (the order they load in matters)'],
    ];
    for (const [args, problem] of cases) {
      expect(await saker('validate', ...args)).toMatchObject({ status: 2, stdout: '', stderr: `saker validate: ${problem}\n(see saker validate --help)\n` });
    }
  });
});

const UPSTREAM = resolve(ROOT, '../shared/corpus/rules/upstream');
const SAMPLES = resolve(ROOT, '../shared/corpus/k8s_audit/samples');

describe.skipIf(!existsSync(UPSTREAM) || !existsSync(SAMPLES))(`warnings of several files (skipped when ${UPSTREAM} is absent)`, () => {
  const files = ['-r', join(UPSTREAM, 'falco_rules-1.0.1.yaml'), '-r', join(UPSTREAM, 'k8s_audit_rules-0.6.0.yaml')];

  it("lists each warning once, under its own file, and replay counts them once", async () => {
    const json = await saker('validate', ...files, '--json');
    expect(json.status).toBe(0);
    const out = JSON.parse(json.stdout) as { files: Array<{ path: string; warnings: Array<{ file: string }> }> };
    expect(out.files.map((f) => f.warnings.length)).toEqual([82, 0]);
    expect(out.files[0]!.warnings.every((w) => w.file === out.files[0]!.path)).toBe(true);
    const text = await saker('validate', ...files);
    expect(text.stdout).toContain(`${join(UPSTREAM, 'k8s_audit_rules-0.6.0.yaml')}: Ok\n`);
    const sample = join(SAMPLES, readdirSync(SAMPLES).filter((f) => f.endsWith('.json')).sort()[0]!);
    const replay = await saker('replay', ...files, sample);
    expect(replay.status).toBe(0);
    expect(replay.stderr).toContain('rules loaded with 82 warning(s)');
  });
});

describe('saker rules list', () => {
  it('lists name, source, priority, enabled and tags', async () => {
    const r = await saker('rules', 'list', '-r', join(dir, 'rules.d'), '--json');
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
    const table = await saker('rules', 'list', '-r', join(dir, 'rules.d'));
    expect(table.stdout.split('\n')[1]).toMatch(/^shell started\s+syscall\s+Warning\s+yes\s+process,shell$/);
  });

  it('fails with the errors on stderr when a file does not load', async () => {
    const r = await saker('rules', 'list', '-r', join(dir, 'bad.yaml'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('nonexistent field proc.nobody');
  });

  it("lists saker's own rules without paths (saying so on stderr), takes paths as arguments, exits 2 on a missing one", async () => {
    const own = await saker('rules', 'list', '--json');
    expect(own.status).toBe(0);
    expect(own.stderr).toMatch(/^saker rules list: no rules files named \(-r\): using saker's own rules in \S+\/rules\n$/);
    expect((JSON.parse(own.stdout) as Array<{ name: string }>).map((r) => r.name)).toContain('K8s exec or attach into pod');
    expect((await saker('rules', 'list', join(dir, 'rules.d'))).stdout).toContain('shell started');
    expect(await saker('rules', 'list', join(dir, 'missing.yaml'))).toMatchObject({
      status: 2,
      stderr: `saker rules list: ${join(dir, 'missing.yaml')}: no such rules file or folder\n(see saker rules list --help)\n`,
    });
  });
});

describe('saker fields', () => {
  it('lists the fields of one source, or says which sources exist', async () => {
    const r = await saker('fields', '--source', 'k8s_audit', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { sources: Array<{ name: string; fields: Array<{ name: string }> }> };
    expect(out.sources.map((s) => s.name)).toEqual(['k8s_audit']);
    expect(out.sources[0]?.fields.map((f) => f.name)).toContain('ka.verb');
    const text = await saker('fields', '--source', 'syscall');
    expect(text.stdout).toMatch(/^ {2}proc\.aname\[index\?\]\s+CHARBUF\b/m);
    const unknown = await saker('fields', '--source', 'nope');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('sources: syscall, k8s_audit, aws_cloudtrail, json');
  });
});
