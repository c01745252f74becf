// JSON event files: JSON lines (one document per line, as audit logs and most shippers write them), or one
// JSON document (an array of events, an EventList, a pretty-printed event). Kubernetes audit data goes to
// the k8s_audit source, anything else to the json source, unless the user says which.
// A line that is not JSON, or an event that is unusable, is reported with `file:line` and skipped.

import { jsonEvent, type Rejection } from '../json/event.js';
import { auditPayload, looksLikeAudit } from '../k8saudit/parse.js';
import type { EventReader, ReadContext, SourcedBatch } from './reader.js';

/** A whole-document file is parsed at once; past this size, JSON lines are the way. */
const MAX_DOCUMENT_CHARS = 256 * 1024 * 1024;

function firstSignificantByte(head: Uint8Array): number | undefined {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0; // UTF-8 BOM
  for (; i < head.length; i++) {
    const b = head[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return undefined;
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** Turns one parsed document into events of `source`; `where` locates it in the file. */
function eventsOf(source: string, value: unknown, where: string, text: string | undefined, context: ReadContext, out: unknown[]): void {
  const report = (r: Rejection) => context.problem({ where: r.where, reason: r.reason });
  if (source === 'k8s_audit') {
    const batch = auditPayload(value, { maxEventBytes: context.maxEventBytes }, where, text);
    for (const e of batch.events) out.push(e);
    batch.rejected.forEach(report);
    return;
  }
  const size = text !== undefined ? Buffer.byteLength(text) : undefined;
  if (size !== undefined && size > context.maxEventBytes) {
    report({ where, reason: `event is ${size} bytes, over the limit of ${context.maxEventBytes} bytes per event` });
    return;
  }
  const parsed = jsonEvent(value, nowNs(), text);
  if (parsed.ok) out.push(parsed.event);
  else report({ where, reason: parsed.reason });
}

function parsesAsContainer(line: string): boolean {
  const t = line.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

function notJson(err: unknown): string {
  return `not valid JSON (${err instanceof Error ? err.message : String(err)})`;
}

async function* read(input: AsyncIterable<Uint8Array>, context: ReadContext): AsyncIterable<SourcedBatch> {
  const decoder = new TextDecoder('utf-8');
  let source = context.source;
  let mode: 'undecided' | 'lines' | 'document' = 'undecided';
  let pending = '';
  let document = '';
  let lineNo = 0;
  let first = true;

  const chooseSource = (value: unknown): string => (source ??= looksLikeAudit(value) ? 'k8s_audit' : 'json');

  for await (const chunk of input) {
    let text = decoder.decode(chunk, { stream: true });
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (mode === 'document') {
      document += text;
      if (document.length > MAX_DOCUMENT_CHARS) {
        throw new Error(`${context.name}: a single JSON document larger than ${MAX_DOCUMENT_CHARS} characters; write it as JSON lines`);
      }
      continue;
    }
    const lines = (pending + text).split('\n');
    pending = lines.pop()!;
    const events: unknown[] = [];
    for (let i = 0; i < lines.length; i++) {
      lineNo++;
      const line = lines[i]!.trim();
      if (line === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        if (mode === 'undecided') {
          // The first line is not a whole document: the file is one (pretty-printed) document.
          mode = 'document';
          document = lines.slice(i).join('\n') + '\n' + pending;
          pending = '';
          break;
        }
        context.problem({ where: `${context.name}:${lineNo}`, reason: notJson(err) });
        continue;
      }
      mode = 'lines';
      eventsOf(chooseSource(value), value, `${context.name}:${lineNo}`, line, context, events);
    }
    if (events.length) yield { source: source!, events };
  }
  const rest = decoder.decode();
  if (mode === 'document') {
    document += pending + rest;
    let value: unknown;
    try {
      value = JSON.parse(document);
    } catch (err) {
      // Not one document. If it is JSON lines whose first line is broken, read it as such; else give up.
      const lines = document.split('\n');
      if (!lines.slice(1).some((l) => parsesAsContainer(l))) throw new Error(`${context.name}: ${notJson(err)}`);
      const events: unknown[] = [];
      lines.forEach((raw, i) => {
        const line = raw.trim();
        if (line === '') return;
        const where = `${context.name}:${i + 1}`;
        try {
          const v: unknown = JSON.parse(line);
          eventsOf(chooseSource(v), v, where, line, context, events);
        } catch (lineErr) {
          context.problem({ where, reason: notJson(lineErr) });
        }
      });
      if (events.length) yield { source: source!, events };
      return;
    }
    const events: unknown[] = [];
    const src = chooseSource(value);
    if (src === 'json' && Array.isArray(value)) {
      value.forEach((item, i) => eventsOf(src, item, `${context.name}:$[${i}]`, undefined, context, events));
    } else {
      eventsOf(src, value, `${context.name}:$`, undefined, context, events);
    }
    if (events.length) yield { source: src, events };
    return;
  }
  const last = (pending + rest).trim();
  if (last !== '') {
    lineNo++;
    const events: unknown[] = [];
    try {
      const value = JSON.parse(last);
      eventsOf(chooseSource(value), value, `${context.name}:${lineNo}`, last, context, events);
    } catch (err) {
      context.problem({ where: `${context.name}:${lineNo}`, reason: notJson(err) });
    }
    if (events.length) yield { source: source!, events };
  }
}

export const jsonReader: EventReader = {
  format: 'json',
  sources: ['k8s_audit', 'json'],
  detect(head) {
    const b = firstSignificantByte(head);
    return b === 0x7b /* { */ || b === 0x5b /* [ */;
  },
  read,
};
