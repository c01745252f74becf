// Condition conformance: every macro and rule condition of a Falco rules file (lists and macros expanded by
// saker's loader, printed back as filter text) run by sysdig and by saker's engine on the same captures;
// the events each matches are compared. A disagreement is explained when a field the condition reads has
// a known difference on that event (differences.ts); otherwise it is reported.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { forEachNode, type Ast, type Expr } from '../../src/engine/ast.js';
import { Engine } from '../../src/engine/engine.js';
import { printCondition } from '../../src/engine/printer.js';
import type { ScapEvent } from '../../capture/scap/event.js';
import { ScapReader, openCaptureStream } from '../../capture/scap/reader.js';
import { syscallSource } from '../../capture/scap/source.js';
import { SYSCALL_EXTRACTORS } from '../../capture/scap/fields/index.js';
import { DIFFERENCES, Explainer, type Difference } from './differences.js';
import { eventKey, sysdigDump, type SysdigRow } from './sysdig.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Condition {
  /** `rule: Write below etc`, `macro: open_write`. */
  label: string;
  text: string;
  fields: string[];
  evaluate: (ev: ScapEvent) => boolean;
}

/** Loads the rules file plus one rule per macro, so that the loader expands every macro the same way. */
export function loadConditions(rulesFile: string): Condition[] {
  const text = readFileSync(rulesFile, 'utf8');
  const docs = (parseYaml(text) as Array<Record<string, unknown>>) ?? [];
  const macros = docs.filter((d) => typeof d.macro === 'string').map((d) => d.macro as string);
  let extra = '\n';
  for (const m of macros) {
    extra += `- rule: ${JSON.stringify(`macro: ${m}`)}\n  desc: m\n  condition: ${m}\n  output: m\n  priority: DEBUG\n`;
  }
  const engine = new Engine({ sources: [syscallSource()], match: 'all' });
  const result = engine.loadText(rulesFile, text + extra);
  if (!result.ok) throw new Error(`${rulesFile}: ${JSON.stringify(result.errors).slice(0, 500)}`);
  return engine.rules.map((r) => ({
    label: r.name.startsWith('macro: ') ? r.name : `rule: ${r.name}`,
    text: sysdigText(r.ast),
    fields: fieldsOf(r.ast),
    evaluate: (ev) => r.evaluate(ev as never),
  }));
}

/**
 * The condition as sysdig 0.29's filter parser reads it: the canonical text (printCondition), except that
 * values with characters its parser stops at (`(systemd)` and `[` in Falco's lists) are double-quoted.
 */
function sysdigText(e: Expr): string {
  switch (e.kind) {
    case 'and':
    case 'or':
      return `(${e.children.map(sysdigText).join(` ${e.kind} `)})`;
    case 'not':
      return `not ${sysdigText(e.child)}`;
    case 'unary_check':
      return `${sysdigText(e.left)} ${e.op}`;
    case 'binary_check': {
      const op = e.modifier ? `${e.op} ${e.modifier}` : e.op;
      return `${sysdigText(e.left)} ${op} ${sysdigText(e.right)}`;
    }
    case 'value':
      return sysdigValue(e.value);
    case 'list':
      return `(${e.values.map(sysdigValue).join(', ')})`;
    default:
      return printCondition(e);
  }
}

function sysdigValue(v: string): string {
  if (/^[^\s()[\],"'\\]+$/.test(v)) return v;
  return `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function fieldsOf(ast: Ast): string[] {
  const out = new Set<string>();
  forEachNode(ast, (n) => {
    if (n.kind === 'field') out.add(n.arg === undefined ? n.field : `${n.field}[${n.arg}]`);
  });
  return [...out];
}

/** The conditions sysdig's filter language accepts (tried once on a capture it reads). */
/** sysdig's complaint about a condition, with the names in it replaced, to group the complaints. */
export interface Rejection {
  condition: Condition;
  message: string;
}

export async function acceptedBySysdig(conditions: Condition[], probe: string): Promise<{ ok: Condition[]; rejected: Rejection[] }> {
  const ok: Condition[] = [];
  const rejected: Rejection[] = [];
  await inParallel(conditions, 2, async (c) => {
    try {
      await run('sysdig', ['-r', probe, '-p', '%evt.num', c.text], { maxBuffer: 1 << 26 });
      ok.push(c);
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message?: string };
      const text = `${e.stderr ?? ''}\n${e.stdout ?? ''}`.trim() || (e.message ?? 'rejected');
      const first = text.split('\n').find((l) => l.trim() !== '')!.trim();
      // Without positions and context, so that the same complaint about different conditions groups.
      const message = first
        .replace(/ at pos(ition)? \d+/g, '')
        .replace(/^filter error: (filter error: )?/, '')
        .replace(/(unrecognized comparison operator after).*/, '$1 a field');
      rejected.push({ condition: c, message });
    }
  });
  const order = new Map(conditions.map((c, i) => [c, i]));
  ok.sort((a, b) => order.get(a)! - order.get(b)!);
  return { ok, rejected };
}

async function inParallel<T>(items: readonly T[], width: number, f: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await f(items[next++]!);
    }),
  );
}

async function sysdigMatches(file: string, condition: string): Promise<Set<string>> {
  const { stdout } = await run('sysdig', ['-r', file, '-p', '%evt.rawtime %thread.tid %evt.dir', condition], {
    maxBuffer: 1 << 28,
  });
  const keys = new Set<string>();
  for (const line of stdout.split('\n')) {
    const [ts, tid, dir] = line.split(' ');
    if (dir !== undefined) keys.add(eventKey(ts!, tid!, dir));
  }
  return keys;
}

/** The fields sysdig can print, dropping those it does not know (one run per unknown field). */
async function sysdigFieldDump(file: string, fields: string[]): Promise<Map<string, SysdigRow>> {
  let remaining = fields.map(toSysdigToken);
  for (;;) {
    const dump = await sysdigDump(file, remaining);
    if ('rows' in dump) return dump.rows;
    // "invalid formatting token X", or "X %… is filter only and cannot be used as a display field".
    const bad = /invalid formatting token (\S+)/.exec(dump.error)?.[1] ?? (/filter only/.test(dump.error) ? dump.error.split(' ')[0] : undefined);
    if (bad === undefined || !remaining.includes(bad)) return new Map();
    remaining = remaining.filter((f) => f !== bad);
  }
}

/** `evt.arg[flags]` (as the AST keeps it) is `evt.arg.flags` in a format string. */
function toSysdigToken(field: string): string {
  const m = /^(evt\.arg|evt\.rawarg|evt\.type\.is|thread\.cgroup)\[(.*)\]$/.exec(field);
  return m && !/^\d+$/.test(m[2]!) ? `${m[1]}.${m[2]}` : field;
}

function extractor(field: string): ((ev: ScapEvent) => unknown) | undefined {
  const m = /^([^[]*)\[(.*)\]$/.exec(field);
  const factory = SYSCALL_EXTRACTORS[m ? m[1]! : field];
  if (factory === undefined) return undefined;
  try {
    return factory(m ? m[2] : undefined);
  } catch {
    return undefined;
  }
}

const EVIDENCE_FIELDS = ['fd.name', 'fd.type', 'fd.typechar', 'fd.num', 'proc.name', 'proc.pname', 'proc.cmdline', 'user.name'];

function family(field: string): string {
  return field.slice(0, field.indexOf('.'));
}

/** Values as sysdig's JSON prints them, for comparison. */
function comparable(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (Array.isArray(v)) return JSON.stringify(v.map(comparable));
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

export interface ConditionReport {
  capture: string;
  conditions: number;
  checks: number;
  agree: number;
  explained: Map<string, number>;
  unexplained: string[];
}

export async function compareConditions(file: string, conditions: Condition[]): Promise<ConditionReport> {
  const report: ConditionReport = {
    capture: basename(file),
    conditions: conditions.length,
    checks: 0,
    agree: 0,
    explained: new Map(),
    unexplained: [],
  };
  const note = (d: Difference): void => {
    report.explained.set(d.id, (report.explained.get(d.id) ?? 0) + 1);
  };
  const matches: Array<Set<string>> = new Array(conditions.length);
  await inParallel(
    conditions.map((c, i) => i),
    2,
    async (i) => {
      matches[i] = await sysdigMatches(file, conditions[i]!.text);
    },
  );
  // Besides the conditions' own fields, the ones that reveal a different fd or process on an event: they
  // explain disagreements of conditions that read only fields sysdig cannot print (fd.ip, fd.port, …).
  const allFields = [...new Set([...EVIDENCE_FIELDS, ...conditions.flatMap((c) => c.fields)])];
  const rows = await sysdigFieldDump(file, allFields);
  const extractors = new Map(allFields.map((f) => [f, extractor(f)]));
  const dirOf = extractor('evt.dir')!;
  const reader = new ScapReader();
  const explainer = new Explainer();
  const seen = new Set<string>();
  await reader.run(await openCaptureStream(file), (ev) => {
    const key = eventKey(ev.ts, ev.tid, String(dirOf(ev)));
    const row = rows.get(key);
    if (row === undefined) return; // not printed by sysdig: the field comparison accounts for it
    seen.add(key);
    // Known differences of this event, by field family (`fd`, `proc`, …).
    const known = new Map<string, Difference>();
    for (const f of EVIDENCE_FIELDS) {
      if (!(f in row)) continue;
      const o = extractors.get(f)?.(ev);
      const t = row[f] ?? null;
      if (comparable(o) === comparable(t)) continue;
      const d = explainer.explain({ field: f, ours: o ?? null, theirs: t, ev, processListVersion: reader.stats.processListVersion });
      if (d !== undefined) known.set(family(f), d);
    }
    for (let i = 0; i < conditions.length; i++) {
      const c = conditions[i]!;
      const ours = c.evaluate(ev);
      const theirs = matches[i]!.has(key);
      report.checks++;
      if (ours === theirs) {
        report.agree++;
        continue;
      }
      let why: Difference | undefined;
      const differing: string[] = [];
      for (const f of c.fields) {
        const token = toSysdigToken(f);
        if (!(token in row)) continue;
        const o = extractors.get(f)?.(ev);
        const t = row[token] ?? null;
        if (comparable(o) === comparable(t)) continue;
        // Explained by itself, or by an explained difference of an evidence field of its family on this
        // event (a connect's fd.name differs: so do its fd.sport and fd.sip).
        const d =
          explainer.explain({
            field: token,
            ours: o ?? null,
            theirs: t,
            ev,
            processListVersion: reader.stats.processListVersion,
          }) ?? known.get(family(f));
        if (d !== undefined) why ??= d;
        else differing.push(`${token}: saker ${JSON.stringify(o)} sysdig ${JSON.stringify(t)}`);
      }
      // Fields sysdig cannot print (filter-only): a known difference of their family on this event.
      if (why === undefined && differing.length === 0) {
        for (const f of c.fields) {
          const d = known.get(family(f));
          if (d !== undefined && !(toSysdigToken(f) in row)) {
            why = d;
            break;
          }
        }
      }
      if (why !== undefined && differing.length === 0) note(why);
      else {
        report.unexplained.push(
          `${report.capture} #${ev.num} ${String(row['evt.type'] ?? '')} ${c.label}: saker ${ours}, sysdig ${theirs}` +
            (differing.length > 0 ? ` (${differing.join('; ')})` : ' (same field values)'),
        );
      }
    }
  });
  // Matches on events saker does not deliver: the enter events the converter folds into their exits.
  for (let i = 0; i < conditions.length; i++) {
    for (const key of matches[i]!) {
      if (seen.has(key)) continue;
      if (key.endsWith('/>')) note(DIFFERENCES.converter);
      else report.unexplained.push(`${report.capture} ${key} ${conditions[i]!.label}: matched by sysdig on an event saker does not deliver`);
    }
  }
  return report;
}
