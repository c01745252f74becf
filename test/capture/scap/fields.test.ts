// Field values on real captures, rendering details, and path normalisation.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScapReader } from '../../../capture/scap/reader.js';
import { enumNames, flagNames } from '../../../capture/scap/render.js';
import { concatenatePaths } from '../../../capture/scap/state/paths.js';
import { FLAG_TABLES } from '../../../capture/scap/tables/flags.js';
import { SYSCALL_EXTRACTORS } from '../../../capture/scap/fields/index.js';
import { syscallSource } from '../../../capture/scap/source.js';
import { Engine } from '../../../src/engine/engine.js';
import { SYSCALL_SOURCE_FIELDS } from '../../../src/engine/fields/index.js';
import { extractor, type Row } from './replay.js';

const CORPUS = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'corpus', 'scap');
const haveCorpus = existsSync(CORPUS);

async function rowsFrom(file: string, fields: string[], keep: (r: Row) => boolean): Promise<Row[]> {
  const ex = ['evt.num', 'evt.type', 'evt.dir', ...fields].map((f) => [f, extractor(f)] as const);
  const rows: Row[] = [];
  await ScapReader.readFile(join(CORPUS, file), (ev) => {
    const r: Row = {};
    for (const [f, fn] of ex) r[f] = fn(ev);
    if (keep(r)) rows.push(r);
  });
  return rows;
}

describe.skipIf(!haveCorpus)(haveCorpus ? 'corpus fields' : 'corpus fields (skipped: ../shared/corpus/scap is absent)', () => {
  it('falco_psp_write_tmp_test: a container write under /tmp', async () => {
    const rows = await rowsFrom(
      'falco_psp_write_tmp_test.scap',
      ['fd.name', 'fd.directory', 'evt.arg.flags', 'evt.is_open_write', 'container.id', 'container.image.repository', 'proc.name', 'user.name'],
      (r) => r['evt.type'] === 'open' && r['evt.dir'] === '<',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      'fd.directory': '/tmp',
      'evt.is_open_write': true,
      'container.id': '697956520d89',
      'container.image.repository': 'nginx',
      'proc.name': 'bash',
      'user.name': 'root',
    });
    expect(String(rows[0]!['evt.arg.flags'])).toMatch(/O_WRONLY/);
  });

  it('falco_psp_run_as_user_65534_container: an execve by a thread the capture never described', async () => {
    const rows = await rowsFrom(
      'falco_psp_run_as_user_65534_container.scap',
      ['proc.name', 'user.uid', 'evt.res', 'proc.cmdline', 'container.id'],
      (r) => r['evt.type'] === 'execve' && r['evt.dir'] === '<',
    );
    expect(rows[0]).toMatchObject({ 'proc.name': 'nologin', 'user.uid': 4294967295, 'evt.res': 'SUCCESS', 'container.id': '697956520d89' });
  });

  it('libs_single_ipv6_conn: IPv6 connections from both ends', async () => {
    const rows = await rowsFrom(
      'libs_single_ipv6_conn.scap',
      ['fd.name', 'fd.typechar', 'fd.l4proto', 'fd.sip', 'fd.cip', 'fd.sport', 'evt.res'],
      (r) => (r['evt.type'] === 'accept' || r['evt.type'] === 'connect') && r['evt.dir'] === '<',
    );
    const accept = rows.find((r) => r['evt.type'] === 'accept')!;
    expect(accept).toMatchObject({
      'fd.name': '2001:db8::4:54405->2001:db8::3:1234',
      'fd.typechar': '6',
      'fd.l4proto': 'tcp',
      'fd.sip': '2001:db8::3',
      'fd.cip': '2001:db8::4',
      'fd.sport': 1234,
    });
    expect(rows.some((r) => r['evt.type'] === 'connect' && r['evt.res'] === 'EINPROGRESS')).toBe(true);
  });
});

describe('rendering', () => {
  it('renders open flags as libsinsp does (table order, bits removed as they match)', () => {
    const t = FLAG_TABLES.file_flags!;
    expect(flagNames(t, 4097)).toBe('O_RDONLY|O_CLOEXEC');
    expect(flagNames(t, 3)).toBe('O_RDWR');
    expect(flagNames(t, 1 | 4 | 256)).toBe('O_TRUNC|O_CREAT|O_RDONLY');
    expect(flagNames(t, 0)).toBe('O_NONE');
    expect(enumNames(FLAG_TABLES.socket_families!, 2)).toBe('AF_INET');
  });

  it('joins and normalises paths as sinsp concatenate_paths', () => {
    const cases: Array<[string, string, string]> = [
      ['', '', ''],
      ['/', '../', '/'],
      ['a', '../', 'a..'],
      ['a/', '../', ''],
      ['/foo/', '..//a', '/a'],
      ['heolo', 'w////////////..//////.////////r.|', 'r.|'],
      ['', './dir/term', 'dir/term'],
      ['/', '//dir//////term', '/dir/term'],
      ['../.../', 'dir/././././../../.../term/', '../.../term'],
      ['app/////', 'custom////term', 'app/////custom/term'],
      ['/', '/app/custom/dir/././././../../term/', '/app/term'],
      ['/home/alice/', '../bob/.ssh', '/home/bob/.ssh'],
      ['C'.repeat(1500), 'dir/term', '/DIR_TOO_LONG/FILENAME_TOO_LONG'],
    ];
    for (const [dir, path, want] of cases) expect(concatenatePaths(dir, path), `${dir} + ${path}`).toBe(want);
  });

  it('binds arguments once and rejects bad ones', () => {
    expect(() => extractor('proc.aname[x]')).toThrow(/non-negative integer/);
    expect(() => extractor('evt.arg')).toThrow(/requires an argument/);
    expect(() => extractor('proc.name[1]')).toThrow(/takes no argument/);
  });
});

const RULES_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'corpus', 'rules', 'upstream');
const RULE_FILES = ['falco_rules.yaml', 'falco_rules-1.0.1.yaml'].map((f) => join(RULES_DIR, f));
const haveRules = RULE_FILES.every((f) => existsSync(f));

describe.skipIf(!haveRules)(haveRules ? 'upstream syscall rules' : `upstream syscall rules (skipped: ${RULES_DIR} is absent)`, () => {
  it('every field falco_rules.yaml (current and 1.0.1) reads or prints has an extractor', () => {
    const names = new Set(SYSCALL_SOURCE_FIELDS.map((f) => f.name));
    for (const file of RULE_FILES) {
      const text = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => !l.trimStart().startsWith('#'))
        .join('\n');
      const used = new Set<string>();
      for (const m of text.matchAll(/\b([a-z]+\.[a-z0-9_.]*[a-z0-9_])/g)) {
        // evt.arg.path is evt.arg with an argument; strings like k8s.io are not fields.
        let name = m[1]!;
        while (!names.has(name) && name.includes('.')) name = name.slice(0, name.lastIndexOf('.'));
        if (names.has(name) && name !== m[1]!.split('.')[0]) used.add(name);
      }
      expect(used.size).toBeGreaterThan(50);
      expect([...used].filter((f) => SYSCALL_EXTRACTORS[f] === undefined)).toEqual([]);
    }
  });

  it('both files load and compile against the syscall source', () => {
    const engine = new Engine({ sources: [syscallSource()], match: 'first' });
    const results = engine.loadFiles(RULE_FILES.slice(0, 1));
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    const old = new Engine({ sources: [syscallSource()], match: 'first' });
    expect(old.loadFiles(RULE_FILES.slice(1)).flatMap((r) => r.errors)).toEqual([]);
    expect(old.rules.length).toBe(80);
  });
});
