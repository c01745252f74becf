// A POST /k8s-audit body, from its bytes to the audit events in it: decoded once, indexed (parsed whole
// when the indexer does not vouch for it, so that invalid JSON is refused with JSON.parse's message), then
// split into events. The route runs this on the main thread or in an evaluation thread (eval-pool.ts):
// the same code either way, so the answers do not depend on where a body was read.

import { decodeUtf8 } from '../json/decode.js';
import { JsonDocument } from '../json/document.js';
import { indexDocument } from '../json/indexer.js';
import { auditPayload, indexedAuditPayload, type AuditBatch, type AuditParseOptions } from './parse.js';

/** EventList → items → event → its members → theirs: events are indexed as deep as a line of an audit log. */
const BODY_INDEX_DEPTH = 4;

export const EMPTY_BODY = 'body: expected a Kubernetes audit EventList, an Event, or a JSON array of them';

/** A body with no JSON in it, JSON that is not valid (400 with `message`), or the events it holds. */
export type AuditBody = { kind: 'empty' } | { kind: 'invalid'; message: string } | { kind: 'batch'; batch: AuditBatch };

export function readAuditBody(bytes: Buffer, options: AuditParseOptions): AuditBody {
  const text = decodeUtf8(bytes);
  if (!/\S/.test(text)) return { kind: 'empty' };
  let body: unknown;
  try {
    body = indexDocument(text, bytes, BODY_INDEX_DEPTH) ?? JSON.parse(text);
  } catch (err) {
    return { kind: 'invalid', message: `body: invalid JSON: ${(err as Error).message}` };
  }
  const batch = body instanceof JsonDocument ? indexedAuditPayload(body, options) : auditPayload(body, options);
  return { kind: 'batch', batch };
}
