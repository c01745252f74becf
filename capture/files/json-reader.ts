// JSON event files: JSON lines (one document per line, as audit logs and most shippers write them), or one
// JSON document (an array of events, an EventList, a pretty-printed event). Kubernetes audit data goes to
// the k8s_audit source, anything else to the json source, unless the user says which.
// A line that is not JSON, or an event that is unusable, is reported with `file:line` and skipped.

import { isAscii } from 'node:buffer';
import type { Rejection } from '../json/event.js';
import { sizedJsonEvent } from '../json/parse.js';
import { decodeUtf8 } from '../json/decode.js';
import { JsonIndexer, recycleIndexMemory, type DeepPath } from '../json/indexer.js';
import type { CaptureChunks } from './file-chunks.js';
import { auditPayload, indexedAuditEvent, indexedAuditPayload, isIndexedEvent, looksLikeAudit } from '../k8saudit/parse.js';
import type { EventReader, ReadContext, SourcedBatch } from './reader.js';

/** A whole-document file is parsed at once; past this size, JSON lines are the way. */
const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

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
  const result = sizedJsonEvent(value, context.maxEventBytes, nowNs(), where, text);
  if ('reason' in result) report(result);
  else out.push(result);
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

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;

/** Where a line's text ends once blanks and a final CR are dropped. */
function lineEnd(text: string, start: number, end: number): number {
  while (end > start && (isBlank(text.charCodeAt(end - 1)) || text.charCodeAt(end - 1) === 0x0d)) end--;
  return end;
}

/** Where a line's text starts once blanks are dropped. */
function lineStart(text: string, start: number, end: number): number {
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  return start;
}

const asBuffer = (chunk: Uint8Array): Buffer => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));

/** Lines are decoded and indexed in blocks of about this size. */
const BLOCK_BYTES = 64 * 1024;

/** Audit events are indexed two levels deep: the event's members and theirs (`objectRef.resource`, `requestObject.spec`). */
const AUDIT_INDEX_DEPTH = 2;
/** …and a pod's spec further down, where the pod fields walk (see DeepPath). */
const AUDIT_DEEP: DeepPath = ['requestObject', 'spec'];

async function* read(input: AsyncIterable<Uint8Array>, context: ReadContext): AsyncIterable<SourcedBatch> {
  let source = context.source;
  // An object, not a variable: the line handler changes it, which narrowing would not see.
  const state: { mode: 'undecided' | 'lines' | 'document' } = { mode: 'undecided' };
  const inDocument = (): boolean => state.mode === 'document';
  /** The start of a line that continues in the next chunk. */
  let carry: Buffer | undefined;
  /** Document mode: every byte from the document's first line on. */
  const documentChunks: Buffer[] = [];
  let documentBytes = 0;
  let lineNo = 0;
  let first = true;

  const auditOptions = { maxEventBytes: context.maxEventBytes };
  const chooseSource = (value: unknown): string => (source ??= looksLikeAudit(value) ? 'k8s_audit' : 'json');

  /**
   * Handles the line `text[start, end)`, blanks and a final CR around it included; returns false when it
   * turned out to start a (pretty-printed) document. Once the file is known to hold audit events, lines
   * are indexed rather than parsed; a line the indexer does not vouch for is parsed as before.
   */
  const line = (text: string, start: number, end: number, indexer: JsonIndexer, events: unknown[]): boolean => {
    lineNo++;
    end = lineEnd(text, start, end);
    start = lineStart(text, start, end);
    if (start === end) return true;
    if (source === 'k8s_audit') {
      const doc = indexer.index(start, end, AUDIT_INDEX_DEPTH, AUDIT_DEEP);
      if (doc) {
        state.mode = 'lines';
        if (isIndexedEvent(doc)) {
          const parsed = indexedAuditEvent(doc, auditOptions, text.slice(start, end));
          if (parsed.ok) events.push(parsed.event);
          else context.problem({ where: `${context.name}:${lineNo}`, reason: parsed.reason });
        } else {
          const batch = indexedAuditPayload(doc, auditOptions, `${context.name}:${lineNo}`, text.slice(start, end));
          for (const e of batch.events) events.push(e);
          for (const r of batch.rejected) context.problem(r);
        }
        return true;
      }
    }
    const where = `${context.name}:${lineNo}`;
    const lineText = text.slice(start, end);
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch (err) {
      if (state.mode === 'undecided') {
        state.mode = 'document';
        lineNo--;
        return false;
      }
      context.problem({ where, reason: notJson(err) });
      return true;
    }
    state.mode = 'lines';
    eventsOf(chooseSource(value), value, where, lineText, context, events);
    return true;
  };

  /** A line on its own (one that spanned chunks, or the last one without a newline). */
  const lone = (bytes: Buffer, events: unknown[]): boolean => {
    const ascii = isAscii(bytes);
    const text = bytes.toString(ascii ? 'latin1' : 'utf8');
    return line(text, 0, text.length, new JsonIndexer(text, ascii ? bytes : undefined), events);
  };

  const keepDocument = (bytes: Buffer): void => {
    documentChunks.push(bytes);
    documentBytes += bytes.length;
    if (documentBytes > MAX_DOCUMENT_BYTES) {
      throw new Error(`${context.name}: a single JSON document larger than ${MAX_DOCUMENT_BYTES} bytes; write it as JSON lines`);
    }
  };

  // With a transient caller, a chunk (which the index points into) is handed back once the batches from
  // it are done with: a fresh megabyte costs more to zero and fault in than its events cost to index.
  const recycle = context.transient ? (input as CaptureChunks).recycle?.bind(input) : undefined;
  let previous: Buffer | undefined;

  for await (const chunk of input) {
    let bytes = asBuffer(chunk);
    if (recycle !== undefined) {
      if (previous !== undefined) recycle(previous);
      previous = bytes;
    }
    if (first) {
      first = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    if (inDocument()) {
      keepDocument(Buffer.from(bytes));
      continue;
    }
    let events: unknown[] = [];
    let pos = 0;
    if (carry) {
      const nl = bytes.indexOf(0x0a);
      if (nl < 0) {
        carry = Buffer.concat([carry, bytes]);
        continue;
      }
      const joined = Buffer.concat([carry, bytes.subarray(0, nl)]);
      carry = undefined;
      if (!lone(joined, events)) {
        keepDocument(joined);
        keepDocument(Buffer.from([0x0a]));
        keepDocument(Buffer.from(bytes.subarray(nl + 1)));
        continue;
      }
      pos = nl + 1;
    }
    // Whole lines are decoded a block at a time (a newline never falls inside a UTF-8 sequence), small
    // enough that a block is still in the CPU's cache when its lines are indexed; a line is a stretch of it.
    const last = bytes.lastIndexOf(0x0a);
    while (pos <= last && !inDocument()) {
      let blockEnd = pos + BLOCK_BYTES >= last ? last : bytes.lastIndexOf(0x0a, pos + BLOCK_BYTES);
      if (blockEnd < pos) blockEnd = bytes.indexOf(0x0a, pos + BLOCK_BYTES); // a line longer than a block
      // The events of earlier blocks are all done with (see ReadContext.transient): their entries' memory is free.
      if (context.transient && events.length === 0) recycleIndexMemory();
      const block = bytes.subarray(pos, blockEnd);
      const ascii = isAscii(block);
      const text = block.toString(ascii ? 'latin1' : 'utf8');
      // With the block's newline, which ends the indexer's scans (see JsonIndexer).
      const indexer = new JsonIndexer(text, ascii ? bytes.subarray(pos, blockEnd + 1) : undefined);
      for (let at = 0; ; ) {
        const nl = text.indexOf('\n', at);
        const end = nl < 0 ? text.length : nl;
        if (!line(text, at, end, indexer, events)) {
          // Only blank lines came before this one, and blanks are one byte each.
          keepDocument(Buffer.from(bytes.subarray(pos + at)));
          break;
        }
        if (nl < 0) break;
        at = nl + 1;
      }
      pos = blockEnd + 1;
      // A block's events are evaluated before the next block is read, while its text and entries are
      // still in the CPU's cache (a whole chunk's, a megabyte of text and its entries, no longer is).
      if (events.length && !inDocument()) {
        yield { source: source!, events };
        events = [];
      }
    }
    if (!inDocument() && pos < bytes.length) carry = Buffer.from(bytes.subarray(pos));
    if (events.length) yield { source: source!, events };
  }

  if (inDocument()) {
    if (carry) keepDocument(carry);
    yield* readDocument(Buffer.concat(documentChunks).toString('utf8'), context, chooseSource, () => source);
    return;
  }
  if (carry) {
    const events: unknown[] = [];
    if (!lone(carry, events)) {
      const text = decodeUtf8(carry);
      const end = lineEnd(text, 0, text.length);
      yield* readDocument(text.slice(lineStart(text, 0, end), end), context, chooseSource, () => source);
      return;
    }
    if (events.length) yield { source: source!, events };
  }
}

/**
 * A file that is one JSON document (its first line is not a whole document). When it does not parse but
 * its other lines do, it is JSON lines whose first line is broken: read as such.
 */
function* readDocument(
  document: string,
  context: ReadContext,
  chooseSource: (value: unknown) => string,
  currentSource: () => string | undefined,
): Iterable<SourcedBatch> {
  let value: unknown;
  try {
    value = JSON.parse(document);
  } catch (err) {
    const lines = document.split('\n');
    if (!lines.slice(1).some((l) => parsesAsContainer(l))) throw new Error(`${context.name}: ${notJson(err)}`);
    const events: unknown[] = [];
    lines.forEach((raw, i) => {
      const text = raw.trim();
      if (text === '') return;
      const where = `${context.name}:${i + 1}`;
      try {
        const v: unknown = JSON.parse(text);
        eventsOf(chooseSource(v), v, where, text, context, events);
      } catch (lineErr) {
        context.problem({ where, reason: notJson(lineErr) });
      }
    });
    if (events.length) yield { source: currentSource()!, events };
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
