// From JSON to audit events, the way the k8saudit plugin accepts them, with saker's error reporting: a
// payload is an `EventList`, a single `Event`, or a JSON array of either; each event needs an `auditID`
// and a `stageTimestamp` (the event's time) and must fit the per-event size limit. An unusable event is
// reported with its JSON path and the reason, and the others go on.

import { nextEventNumber, type Parsed, type Rejection } from '../json/event.js';
import { eventOverLimit } from '../json/size.js';
import type { K8sAuditEvent } from './event.js';
import { parseRfc3339 } from './timestamp.js';

/** 256 KiB, the plugin's default maxEventSize. */
export const DEFAULT_MAX_EVENT_BYTES = 256 * 1024;

export interface AuditParseOptions {
  /** Largest accepted event, in bytes of its JSON text. */
  maxEventBytes: number;
  /** Stamped on every event, for `ka.cluster.name`. */
  cluster?: string;
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

/**
 * One audit event. `text` is the event's own JSON text when the caller has it (a line of a file); without
 * it the size is measured on the re-serialized event, as the plugin measures it.
 */
export function auditEvent(value: unknown, options: AuditParseOptions, text?: string): Parsed<K8sAuditEvent> {
  if (!isObject(value)) return { ok: false, reason: `an audit event must be a JSON object, not ${describe(value)}` };
  const { kind, apiVersion, auditID, stageTimestamp } = value;
  if (kind !== undefined && kind !== 'Event') return { ok: false, reason: `kind is '${String(kind)}', not 'Event'` };
  if (apiVersion !== undefined && (typeof apiVersion !== 'string' || !apiVersion.startsWith('audit.k8s.io/'))) {
    return {
      ok: false,
      reason: `apiVersion '${String(apiVersion)}' is not audit.k8s.io/v1 or v1beta1 (a Kubernetes core Event is not an audit event)`,
    };
  }
  if (auditID === undefined) return { ok: false, reason: 'auditID is missing' };
  if (stageTimestamp === undefined) return { ok: false, reason: 'stageTimestamp is missing' };
  if (typeof stageTimestamp !== 'string') return { ok: false, reason: `stageTimestamp must be a string, not ${describe(stageTimestamp)}` };
  const time = parseRfc3339(stageTimestamp);
  if (typeof time === 'string') return { ok: false, reason: `stageTimestamp: ${time}` };
  const bytes = eventOverLimit(value, options.maxEventBytes, text);
  if (bytes !== undefined) {
    return { ok: false, reason: `event is ${bytes} bytes, over the limit of ${options.maxEventBytes} bytes per event` };
  }
  const event: { -readonly [K in keyof K8sAuditEvent]: K8sAuditEvent[K] } = { value, time, num: nextEventNumber() };
  if (text !== undefined) event.text = text;
  if (options.cluster !== undefined) event.cluster = options.cluster;
  return { ok: true, event };
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
