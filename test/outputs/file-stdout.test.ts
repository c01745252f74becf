import { existsSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { fileOutput } from '../../outputs/file.js';
import { PermanentError, type Output } from '../../outputs/output.js';
import { StreamOutput, textLine } from '../../outputs/stdout.js';
import type { Alert } from '../../src/alert.js';
import { waitUntil } from '../helpers/wait.js';

function anAlert(n: number, overrides: Partial<Alert> = {}): Alert {
  return {
    uuid: `u-${n}`, time: '2026-11-29T01:02:03.123456789Z', rule: `rule ${n}`, priority: 'Warning', source: 'syscall',
    output: `01:02:03.123456789: Warning output ${n}`, output_fields: { n }, tags: [], hostname: 'h', ...overrides,
  };
}
const ctx = { attempt: 1, signal: new AbortController().signal };

describe('file output', () => {
  it('appends JSON lines and reopens the file on SIGHUP (log rotation)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saker-file-'));
    const path = join(dir, 'alerts.jsonl');
    const out = fileOutput.create({ path }, { logger: pino({ level: 'silent' }), hostname: 'h', timeoutMs: 1000 });
    await out.start!();
    try {
      await out.send([anAlert(1), anAlert(2)], ctx);
      renameSync(path, `${path}.1`);
      await out.send([anAlert(3)], ctx); // still the renamed file: nothing is lost before the signal
      process.kill(process.pid, 'SIGHUP');
      await waitUntil('the file to be reopened', () => existsSync(path));
      await out.send([anAlert(4)], ctx);
    } finally {
      await out.close();
    }
    const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as Alert).uuid);
    expect(lines(`${path}.1`)).toEqual(['u-1', 'u-2', 'u-3']);
    expect(lines(path)).toEqual(['u-4']);
  });

  it('refuses to start when the file cannot be opened, naming the key', async () => {
    const out = fileOutput.create({ path: '/nonexistent-dir/alerts.jsonl' }, { logger: pino({ level: 'silent' }), hostname: 'h', timeoutMs: 1000 });
    await expect(out.start!()).rejects.toThrow("file.path: cannot open '/nonexistent-dir/alerts.jsonl' for appending: ENOENT");
  });
});

describe('stdout output', () => {
  it("prints Falco's text line, adding time and priority when the output lacks them", () => {
    expect(textLine(anAlert(1))).toBe('01:02:03.123456789: Warning output 1\n');
    expect(textLine(anAlert(1, { output: '2026-11-29T01:02:03.123456789+0000: Warning iso' }))).toBe('2026-11-29T01:02:03.123456789+0000: Warning iso\n');
    expect(textLine(anAlert(1, { output: 'bare text' }))).toBe('2026-11-29T01:02:03.123456789Z: Warning bare text\n');
    expect(textLine(anAlert(1, { output: '' }))).toBe('2026-11-29T01:02:03.123456789Z: Warning rule 1\n');
  });

  it('writes JSON lines, and turns a broken stream into a permanent failure', async () => {
    const stream = new PassThrough();
    let written = '';
    stream.on('data', (c: Buffer) => (written += c.toString()));
    const out: Output = new StreamOutput('stdout', stream, 'json');
    await out.send([anAlert(1), anAlert(2)], ctx);
    expect(written.trimEnd().split('\n').map((l) => (JSON.parse(l) as Alert).uuid)).toEqual(['u-1', 'u-2']);
    stream.destroy(new Error('EPIPE'));
    await new Promise((r) => setImmediate(r));
    await expect(out.send([anAlert(3)], ctx)).rejects.toBeInstanceOf(PermanentError);
  });
});
