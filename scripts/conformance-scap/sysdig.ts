// Running Debian's sysdig 0.29 on a capture and reading its JSON lines, keyed for alignment with saker's
// events by timestamp, thread id and direction.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type SysdigRow = Record<string, string | number | boolean | null>;

export async function sysdigAvailable(): Promise<string | null> {
  try {
    const { stdout } = await run('sysdig', ['--version']);
    return stdout.trim();
  } catch {
    return null;
  }
}

/** Alignment key of an event: exact timestamp, thread id, direction. */
export function eventKey(ts: bigint | string, tid: number | string, dir: string): string {
  return `${ts}/${tid}/${dir}`;
}

/**
 * Dumps `fields` for every event sysdig prints (optionally only those matching `filter`). Returns null with
 * sysdig's message when it cannot read the capture.
 */
export async function sysdigDump(
  file: string,
  fields: readonly string[],
  filter?: string,
): Promise<{ rows: Map<string, SysdigRow> } | { error: string }> {
  const format = '*%evt.rawtime %thread.tid %evt.num %evt.dir ' + fields.map((f) => '%' + f).join(' ');
  const args = ['-r', file, '-j', '-p', format];
  if (filter !== undefined) args.push(filter);
  let stdout: string;
  try {
    ({ stdout } = await run('sysdig', args, { maxBuffer: 1 << 30, env: { ...process.env, TZ: 'UTC' } }));
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { error: (e.stderr ?? e.message).trim().split('\n')[0] ?? 'sysdig failed' };
  }
  const rows = new Map<string, SysdigRow>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    // Timestamps exceed 2^53: keep them as text.
    const row = JSON.parse(line.replace(/"evt\.rawtime":(\d+)/, '"evt.rawtime":"$1"')) as SysdigRow;
    rows.set(eventKey(String(row['evt.rawtime']), String(row['thread.tid']), String(row['evt.dir'] ?? '')), row);
  }
  return { rows };
}
