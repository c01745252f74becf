// From JSON to audit events, the way the k8saudit plugin accepts them, with saker's error reporting: a
// payload is an `EventList`, a single `Event`, or a JSON array of either; each event needs an `auditID`
// and a `stageTimestamp` (the event's time) and must fit the per-event size limit. An unusable event is
// reported with its JSON path and the reason, and the others go on.

import { compileDocumentAccess } from '../json/access.js';
import { MISSING, type JsonDocument } from '../json/document.js';
import { nextEventNumber, type Parsed, type Rejection } from '../json/event.js';
import { eventOverLimit } from '../json/size.js';
import { IndexedAuditEvent, type K8sAuditEvent } from './event.js';
import { parseRfc3339 } from './timestamp.js';

/** 256 KiB, the plugin's default maxEventSize. */
export const DEFAULT_MAX_EVENT_BYTES = 256 * 1024;

export interface AuditParseOptions {
  /** Largest accepted event, in bytes of its JSON text. */
  maxEventBytes: number;
  /** Stamped on every event, for `ka.cluster.name`. */
  cluster?: string;
  /**
   * Numbers the events (`evt.num`); nextEventNumber by default. An evaluation thread numbers a body's events
   * once it knows how many there are (numberEvents), so that they get one range.
   */
  eventNumber?: () => number;
}

/** What a payload held: the events to evaluate and the items that could not be used. */
export interface AuditBatch {
  events: K8sAuditEvent[];
  rejected: Rejection[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The event's time, or why the members that make it an audit event do not. */
function admit(kind: unknown, apiVersion: unknown, auditID: unknown, stageTimestamp: unknown): bigint | string {
  if (kind !== undefined && kind !== 'Event') return `kind is '${String(kind)}', not 'Event'`;
  if (apiVersion !== undefined && (typeof apiVersion !== 'string' || !apiVersion.startsWith('audit.k8s.io/'))) {
    return `apiVersion '${String(apiVersion)}' is not audit.k8s.io/v1 or v1beta1 (a Kubernetes core Event is not an audit event)`;
  }
  if (auditID === undefined) return 'auditID is missing';
  if (stageTimestamp === undefined) return 'stageTimestamp is missing';
  if (typeof stageTimestamp !== 'string') return `stageTimestamp must be a string, not ${describe(stageTimestamp)}`;
  const time = parseRfc3339(stageTimestamp);
  return typeof time === 'string' ? `stageTimestamp: ${time}` : time;
}

const tooLarge = (bytes: number, options: AuditParseOptions): string =>
  `event is ${bytes} bytes, over the limit of ${options.maxEventBytes} bytes per event`;

/**
 * One audit event. `text` is the event's own JSON text when the caller has it (a line of a file); without
 * it the size is measured on the re-serialized event, as the plugin measures it.
 */
export function auditEvent(value: unknown, options: AuditParseOptions, text?: string): Parsed<K8sAuditEvent> {
  if (!isObject(value)) return { ok: false, reason: `an audit event must be a JSON object, not ${describe(value)}` };
  const { kind, apiVersion, auditID, stageTimestamp } = value;
  const time = admit(kind, apiVersion, auditID, stageTimestamp);
  if (typeof time === 'string') return { ok: false, reason: time };
  const bytes = eventOverLimit(value, options.maxEventBytes, text);
  if (bytes !== undefined) return { ok: false, reason: tooLarge(bytes, options) };
  const event: { -readonly [K in keyof K8sAuditEvent]: K8sAuditEvent[K] } = { value, time, num: (options.eventNumber ?? nextEventNumber)() };
  if (text !== undefined) event.text = text;
  if (options.cluster !== undefined) event.cluster = options.cluster;
  return { ok: true, event };
}

/**
 * An upper bound of the byte length of JSON.stringify of a value whose JSON text is `length` UTF-16 units
 * long and holds `numbers` numbers: a character of a string becomes at most 6 bytes (`\udc00` for a lone
 * surrogate), a number at most 24 (`-2.2250738585072014e-308`, where `1e2` was 3), anything else less.
 */
const serializedBound = (length: number, numbers: number): number => length * 6 + numbers * 24;

const KIND = compileDocumentAccess(['kind']);
const API_VERSION = compileDocumentAccess(['apiVersion']);
const AUDIT_ID = compileDocumentAccess(['auditID']);
const STAGE_TIMESTAMP = compileDocumentAccess(['stageTimestamp']);

/** auditEvent for indexed JSON text: the same checks, parsing only the members they read. */
export function indexedAuditEvent(doc: JsonDocument, options: AuditParseOptions, text?: string): Parsed<K8sAuditEvent> {
  const root = doc.root;
  if (!doc.isIndexedObject(root)) return auditEvent(doc.value(root), options, text);
  const time = admit(KIND(doc), API_VERSION(doc), AUDIT_ID(doc), STAGE_TIMESTAMP(doc));
  if (typeof time === 'string') return { ok: false, reason: time };
  if (text !== undefined || serializedBound(doc.textLength(root), doc.numbersIn(root)) > options.maxEventBytes) {
    const bytes = eventOverLimit(text === undefined ? doc.value(root) : undefined, options.maxEventBytes, text);
    if (bytes !== undefined) return { ok: false, reason: tooLarge(bytes, options) };
  }
  return { ok: true, event: new IndexedAuditEvent(doc, time, (options.eventNumber ?? nextEventNumber)(), text, options.cluster) };
}

/** Gives the events the numbers `first`, `first + 1`, … (events of a batch parsed with `eventNumber`). */
export function numberEvents(events: readonly K8sAuditEvent[], first: number): void {
  for (let i = 0; i < events.length; i++) (events[i] as { num: number }).num = first + i;
}

/**
 * Splits a parsed payload into events. `where` is the JSON path of `payload` in the caller's terms (`$`
 * for a request body, `file.jsonl:12` for a line); rejections name the item's path below it.
 */
export function auditPayload(payload: unknown, options: AuditParseOptions, where = '$', text?: string): AuditBatch {
  const batch: AuditBatch = { events: [], rejected: [] };
  collect(payload, options, where, batch, text);
  return batch;
}

function take(value: unknown, options: AuditParseOptions, where: string, batch: AuditBatch, text?: string): void {
  const parsed = auditEvent(value, options, text);
  if (parsed.ok) batch.events.push(parsed.event);
  else batch.rejected.push({ where, reason: parsed.reason });
}

function collect(payload: unknown, options: AuditParseOptions, where: string, batch: AuditBatch, text?: string): void {
  if (Array.isArray(payload)) {
    payload.forEach((item, i) => collect(item, options, `${where}[${i}]`, batch));
    return;
  }
  if (isObject(payload) && payload.kind === 'EventList') {
    const items = payload.items;
    if (!Array.isArray(items)) {
      const found = items === undefined ? 'it has none' : `not ${describe(items)}`;
      batch.rejected.push({ where: `${where}.items`, reason: `an EventList needs an items array, ${found}` });
      return;
    }
    items.forEach((item, i) => take(item, options, `${where}.items[${i}]`, batch));
    return;
  }
  // A single Event; its `kind` may be absent (some log shippers drop it), in which case `auditID` says it is one.
  take(payload, options, where, batch, text);
}

/** Whether indexed JSON text is one event (an object but not an EventList), for indexedAuditEvent. */
export function isIndexedEvent(doc: JsonDocument): boolean {
  return doc.isIndexedObject(doc.root) && KIND(doc) !== 'EventList';
}

/**
 * auditPayload for indexed JSON text (a line, a request body): events that are indexed objects are taken
 * from the index, anything else as auditPayload takes it, with the same JSON paths.
 */
export function indexedAuditPayload(doc: JsonDocument, options: AuditParseOptions, where = '$', text?: string): AuditBatch {
  const batch: AuditBatch = { events: [], rejected: [] };
  collectIndexed(doc, doc.root, options, where, batch, text);
  return batch;
}

function collectIndexed(doc: JsonDocument, entry: number, options: AuditParseOptions, where: string, batch: AuditBatch, text?: string): void {
  if (doc.isIndexedArray(entry)) {
    doc.children(entry).forEach((item, i) => collectIndexed(doc, item, options, `${where}[${i}]`, batch));
    return;
  }
  if (!doc.isIndexedObject(entry)) {
    collect(doc.value(entry), options, where, batch, text);
    return;
  }
  if (doc.memberValue(entry, 'kind') !== 'EventList') {
    takeIndexed(entry === doc.root ? doc : doc.at(entry), options, where, batch, text);
    return;
  }
  const items = doc.member(entry, 'items');
  if (items === MISSING || !doc.isIndexedArray(items)) {
    collect(doc.value(entry), options, where, batch, text);
    return;
  }
  doc.children(items).forEach((item, i) => {
    const path = `${where}.items[${i}]`;
    if (doc.isIndexedObject(item)) takeIndexed(doc.at(item), options, path, batch);
    else take(doc.value(item), options, path, batch);
  });
}

function takeIndexed(doc: JsonDocument, options: AuditParseOptions, where: string, batch: AuditBatch, text?: string): void {
  const parsed = indexedAuditEvent(doc, options, text);
  if (parsed.ok) batch.events.push(parsed.event);
  else batch.rejected.push({ where, reason: parsed.reason });
}

/**
 * Whether a parsed document looks like Kubernetes audit data (for `saker replay` without `--source`): an
 * EventList, an audit.k8s.io Event, an object with `auditID` and `stageTimestamp`, or an array whose first
 * element is one of those.
 */
export function looksLikeAudit(value: unknown): boolean {
  const first = Array.isArray(value) ? value[0] : value;
  if (!isObject(first)) return false;
  if (first.kind === 'EventList') return true;
  if (typeof first.apiVersion === 'string' && first.apiVersion.startsWith('audit.k8s.io/')) return true;
  // Audit logs written without apiVersion still say `kind: Event` (or nothing); auditID and stageTimestamp
  // are what tell them from other JSON.
  return (first.kind === undefined || first.kind === 'Event') && first.auditID !== undefined && first.stageTimestamp !== undefined;
}
