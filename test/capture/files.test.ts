import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openInput } from '../../capture/files/open.js';
import type { ReadProblem } from '../../capture/files/reader.js';
import { eventReaders } from '../../capture/files/readers.js';
import type { JsonEvent } from '../../capture/json/event.js';
import { auditJson } from './k8saudit-events.js';
import { CORPUS_ABSENT, hasSamples, k8sSamples } from './corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'saker-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function readAll(path: string, source?: string) {
  const input = await openInput(path, eventReaders);
  const problems: ReadProblem[] = [];
  const bySource: Record<string, JsonEvent[]> = {};
  for await (const batch of input.reader.read(input.content, {
    name: path,
    allEvents: false,
    maxEventBytes: 256 * 1024,
    problem: (p) => problems.push(p),
    ...(source ? { source } : {}),
  })) {
    (bySource[batch.source] ??= []).push(...(batch.events as JsonEvent[]));
  }
  return { format: input.reader.format, bySource, problems, consumed: input.consumed(), size: input.size };
}

const line = (o: unknown) => JSON.stringify(o);

describe('JSON event files', () => {
  it('reads JSON lines of audit events as k8s_audit, keeping each line as the event text', async () => {
    const path = file('audit.jsonl', [line(auditJson()), '', line(auditJson({ verb: 'get' }))].join('\r\n') + '\n');
    const r = await readAll(path);
    expect(r.format).toBe('json');
    expect(Object.keys(r.bySource)).toEqual(['k8s_audit']);
    expect(r.bySource.k8s_audit!.map((e) => (e.value as { verb: string }).verb)).toEqual(['create', 'get']);
    expect(r.bySource.k8s_audit![0]!.text).toBe(line(auditJson()));
    expect(r.consumed).toBe(r.size);
  });
  it('recognises an audit event without apiVersion by kind Event, auditID and stageTimestamp', async () => {
    const path = file('no-api-version.json', line(auditJson({ apiVersion: undefined, kind: 'Event' })) + '\n');
    const r = await readAll(path);
    expect(Object.keys(r.bySource)).toEqual(['k8s_audit']);
  });
  it('reports bad lines and unusable events with file:line and goes on', async () => {
    const path = file('bad.jsonl', [line(auditJson()), '{"broken":', line(auditJson({ stageTimestamp: undefined })), line(auditJson())].join('\n'));
    const r = await readAll(path);
    expect(r.bySource.k8s_audit).toHaveLength(2);
    expect(r.problems.map((p) => p.where)).toEqual([`${path}:2`, `${path}:3`]);
    expect(r.problems[0]!.reason).toMatch(/^not valid JSON/);
    expect(r.problems[1]!.reason).toBe('stageTimestamp is missing');
  });
  it('reads a pretty-printed EventList document, naming bad items by JSON path', async () => {
    const list = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [auditJson(), auditJson({ auditID: undefined })] };
    const path = file('list.json', JSON.stringify(list, null, 2));
    const r = await readAll(path);
    expect(r.bySource.k8s_audit).toHaveLength(1);
    expect(r.problems).toEqual([{ where: `${path}:$.items[1]`, reason: 'auditID is missing' }]);
  });
  it('reads a JSON array of arbitrary objects as json events, one per element', async () => {
    const path = file('events.json', '[\n {"a": 1},\n {"a": 2},\n 3\n]');
    const r = await readAll(path);
    expect(r.bySource.json!.map((e) => e.value)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(r.problems).toEqual([{ where: `${path}:$[2]`, reason: 'a JSON event must be an object or an array, not number' }]);
  });
  it('honours --source over detection', async () => {
    const path = file('forced.jsonl', line(auditJson()) + '\n');
    const r = await readAll(path, 'json');
    expect(r.bySource.json).toHaveLength(1);
  });
  it('decodes UTF-8, ASCII or not', async () => {
    const path = file('utf8.jsonl', line(auditJson({ user: { username: 'zoë 👩‍💻' } })) + '\n' + line(auditJson()) + '\n');
    const r = await readAll(path);
    expect(r.bySource.k8s_audit!.map((e) => (e.value as { user: { username: string } }).user.username)).toEqual(['zoë 👩‍💻', 'alice']);
  });
  it('reads gzip-compressed files', async () => {
    const path = file('audit.jsonl.gz', gzipSync(line(auditJson()) + '\n' + line(auditJson())));
    expect((await readAll(path)).bySource.k8s_audit).toHaveLength(2);
  });
  it('reads a plain file in recycled chunks, counting its bytes for the progress bar', async () => {
    // Over 2 MiB: three 1 MiB reads, lines across their ends.
    const lines = Array.from({ length: 24_000 }, (_, i) => line({ i, pad: 'x'.repeat(80) }) + '\n');
    const path = file('big.jsonl', lines.join(''));
    expect('recycle' in (await openInput(path, eventReaders)).content).toBe(true);
    const r = await readAll(path);
    expect(r.bySource.json).toHaveLength(24_000);
    expect(r.consumed).toBe(r.size);
    expect(r.size).toBeGreaterThan(2 * 1024 * 1024);
  });
  it('reads a JSON lines file whose first line is broken', async () => {
    const path = file('firstbad.jsonl', '{"oops"\n' + line({ a: 1 }) + '\n' + line({ a: 2 }) + '\n');
    const r = await readAll(path);
    expect(r.bySource.json).toHaveLength(2);
    expect(r.problems.map((p) => p.where)).toEqual([`${path}:1`]);
  });
  it('treats an empty file as no events, and refuses what is not an event file', async () => {
    expect((await readAll(file('empty.jsonl', ''))).bySource).toEqual({});
    await expect(openInput(file('text.txt', 'hello'), eventReaders)).rejects.toThrow(/not an event file saker knows \(formats: scap, json\)/);
    await expect(openInput(join(dir, 'nope.json'), eventReaders)).rejects.toThrow(/nope.json: no such file/);
    await expect(readAll(file('broken.json', '{\n"a": [1,\n'))).rejects.toThrow(/broken.json: not valid JSON/);
  });
});

describe('JSON lines of audit events, indexed rather than parsed', () => {
  /** JSON.parse's own complaint about a line, as the reader words it. */
  const complaint = (text: string): string => {
    try {
      JSON.parse(text);
    } catch (err) {
      return `not valid JSON (${(err as Error).message})`;
    }
    throw new Error(`${text} is valid`);
  };
  const escapes = auditJson({
    annotations: { 'authorization.k8s.io/reason': 'allowed by "binding" \\ of C:\\x', 'k\u00e9y': '\u00e9\ud83d\ude00' },
    user: { username: 'say "hi"\\', groups: ['a\\', '"b"'] },
  });

  it('report invalid lines with file:line and JSON.parse\'s message, and read the others', async () => {
    const bad = [
      '{"auditID":"x","stageTimestamp":"2026-01-01T00:00:00Z","verb":"get\tx"}', // a raw tab in a string
      '{"auditID":"x","stageTimestamp":"2026-01-01T00:00:00Z","verb":"\\q"}', // an escape JSON does not have
      '{"auditID":"x","stageTimestamp":"2026-01-01T00:00:00Z","verb":"get",}',
      '{"auditID":"x","stageTimestamp":"2026-01-01T00:00:00Z","user":{"username":"a"}',
      '{"auditID":"x","stageTimestamp":"2026-01-01T00:00:00Z","code":01}',
    ];
    const lines = [line(auditJson()), ...bad.flatMap((b) => [b, line(escapes)])];
    const path = file('indexed-bad.jsonl', lines.join('\n') + '\n');
    const r = await readAll(path);
    expect(r.problems).toEqual(bad.map((b, i) => ({ where: `${path}:${2 + 2 * i}`, reason: complaint(b) })));
    expect(r.bySource.k8s_audit!.map((e) => e.value)).toEqual([auditJson(), ...bad.map(() => escapes)]);
    expect(r.bySource.k8s_audit!.slice(1).every((e) => e.doc !== undefined)).toBe(true);
  });

  it('read lines with blanks, CR LF, tabs and non-ASCII text as JSON.parse reads them', async () => {
    const lines = [
      `  ${line(auditJson())} \t `,
      line(escapes) + '\r',
      line(auditJson({ verb: 'dé😀' })),
      '{\t"auditID": "tab", "stageTimestamp": "2026-01-01T00:00:00Z"}', // tabs between tokens: parsed whole
      line(auditJson({ auditID: 'last' })),
    ];
    const path = file('indexed-blanks.jsonl', lines.join('\n'));
    const r = await readAll(path);
    expect(r.problems).toEqual([]);
    expect(r.bySource.k8s_audit!.map((e) => e.value)).toEqual(lines.map((l) => JSON.parse(l)));
    expect(r.bySource.k8s_audit!.map((e) => e.text)).toEqual(lines.map((l) => l.trim()));
  });

  it('read lines across read chunks and decoding blocks, numbering them on', async () => {
    const lines: string[] = [];
    for (let i = 0; lines.join('\n').length < 2.5 * 1024 * 1024; i++) {
      // Lines of varied length, some far longer than a block, with non-ASCII text now and then.
      const padding = i % 97 === 0 ? 'x'.repeat(100_000) : 'y'.repeat(i % 13);
      lines.push(line(auditJson({ auditID: `id-${i}`, userAgent: i % 50 === 0 ? `zoë ${padding}` : padding })));
    }
    lines[700] = '{"broken": ';
    const path = file('indexed-many.jsonl', lines.join('\n') + '\n');
    const r = await readAll(path);
    expect(r.problems).toEqual([{ where: `${path}:701`, reason: complaint('{"broken":') }]);
    const ids = r.bySource.k8s_audit!.map((e) => (e.value as { auditID: string }).auditID);
    expect(ids).toEqual(lines.flatMap((l, i) => (i === 700 ? [] : [`id-${i}`])));
  });
});

describe.skipIf(!hasSamples)(`the corpus samples as a JSON lines file ${hasSamples ? '' : CORPUS_ABSENT}`, () => {
  it('are all read as k8s_audit events', async () => {
    const path = file('samples.jsonl', k8sSamples().map((s) => s.text).join('\n'));
    const r = await readAll(path);
    expect(r.bySource.k8s_audit).toHaveLength(32);
    expect(r.problems).toEqual([]);
  });
});
