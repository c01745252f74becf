// Field conformance: sysdig's values against saker's for the same events, field by field.

import { basename } from 'node:path';
import type { ScapEvent } from '../../capture/scap/event.js';
import { SYSCALL_EXTRACTORS } from '../../capture/scap/fields/index.js';
import { ScapReader, openCaptureStream } from '../../capture/scap/reader.js';
import { PPME } from '../../capture/scap/tables/events.js';
import type { Extractor } from '../../src/engine/source.js';
import { DIFFERENCES, type Difference, Explainer } from './differences.js';
import { eventKey, sysdigDump } from './sysdig.js';

/** The fields the issue names, in sysdig's -p order. */
export const COMPARED_FIELDS = [
  'evt.num',
  'evt.type',
  'evt.dir',
  'proc.name',
  'proc.exe',
  'proc.cmdline',
  'proc.pname',
  'proc.aname[2]',
  'proc.tty',
  'user.uid',
  'user.name',
  'fd.name',
  'fd.typechar',
  'container.id',
] as const;

/** evt.num differs by construction (sysdig counts the enter events the converter drops): not compared. */
const VALUE_FIELDS = COMPARED_FIELDS.filter((f) => f !== 'evt.num');

export interface FieldReport {
  capture: string;
  sysdigError?: string;
  sysdigEvents: number;
  sakerEvents: number;
  compared: number;
  checks: number;
  agree: number;
  explained: Map<string, number>;
  unexplained: string[];
  /** sysdig-only / saker-only events, by explanation. */
  onlyInSysdig: number;
  onlyInSaker: number;
}

function bindExtractor(field: string): Extractor<ScapEvent> {
  const m = /^(.*)\[(.*)\]$/.exec(field);
  const name = m ? m[1]! : field;
  const factory = SYSCALL_EXTRACTORS[name];
  if (factory === undefined) throw new Error(`no extractor for ${name}`);
  return factory(m ? m[2] : undefined);
}

/** Meta events sysdig 0.29 never prints, and the first event type its libs did not know. */
const SYSDIG_SILENT = new Set<number>([
  PPME.PROCINFO_E,
  PPME.CONTAINER_JSON_2_E,
  PPME.USER_ADDED_E,
  PPME.USER_DELETED_E,
  PPME.GROUP_ADDED_E,
  PPME.GROUP_DELETED_E,
  PPME.SCAPEVENT_E,
  PPME.ASYNCEVENT_E,
]);
const SYSDIG_EVENT_MAX = 336;

function normalise(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  return v;
}

export async function compareFields(file: string): Promise<FieldReport> {
  const report: FieldReport = {
    capture: basename(file),
    sysdigEvents: 0,
    sakerEvents: 0,
    compared: 0,
    checks: 0,
    agree: 0,
    explained: new Map(),
    unexplained: [],
    onlyInSysdig: 0,
    onlyInSaker: 0,
  };
  const note = (d: Difference, n = 1): void => {
    report.explained.set(d.id, (report.explained.get(d.id) ?? 0) + n);
  };
  const dump = await sysdigDump(file, VALUE_FIELDS);
  const extractors = VALUE_FIELDS.map((f) => [f, bindExtractor(f)] as const);
  const dirOf = bindExtractor('evt.dir');
  const rows = 'rows' in dump ? dump.rows : null;
  if (rows === null) report.sysdigError = 'error' in dump ? dump.error : 'sysdig failed';
  const seen = new Set<string>();
  const explainer = new Explainer();
  const reader = new ScapReader();
  await reader.run(await openCaptureStream(file), (ev) => {
    report.sakerEvents++;
    if (rows === null) return;
    const key = eventKey(ev.ts, ev.tid, String(dirOf(ev)));
    const row = rows.get(key);
    if (row === undefined) {
      report.onlyInSaker++;
      if (SYSDIG_SILENT.has(ev.type) || ev.type >= SYSDIG_EVENT_MAX) note(DIFFERENCES.meta);
      else report.unexplained.push(`${report.capture} #${ev.num} ${ev.info.name}: delivered by saker, not printed by sysdig`);
      return;
    }
    seen.add(key);
    report.compared++;
    for (const [field, extract] of extractors) {
      const ours = normalise(extract(ev));
      const theirs = row[field] ?? null;
      report.checks++;
      if (JSON.stringify(ours) === JSON.stringify(theirs)) {
        report.agree++;
        continue;
      }
      const why = explainer.explain({ field, ours, theirs, ev, processListVersion: reader.stats.processListVersion });
      if (why !== undefined) note(why);
      else {
        report.unexplained.push(
          `${report.capture} #${ev.num} (sysdig #${String(row['evt.num'])}) ${String(row['evt.type'])}${String(row['evt.dir'])} ${field}: saker ${JSON.stringify(ours)} sysdig ${JSON.stringify(theirs)}`,
        );
      }
    }
  });
  if (rows !== null) {
    report.sysdigEvents = rows.size;
    for (const [key, row] of rows) {
      if (seen.has(key)) continue;
      report.onlyInSysdig++;
      // Enter events the converter folds into their exit event.
      if (row['evt.dir'] === '>') note(DIFFERENCES.converter);
      else {
        report.unexplained.push(
          `${report.capture} sysdig #${String(row['evt.num'])} ${String(row['evt.type'])}<: printed by sysdig, not delivered by saker`,
        );
      }
    }
  } else {
    note(DIFFERENCES.shbOptions);
  }
  return report;
}
