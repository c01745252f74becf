// A Kubernetes audit event (audit.k8s.io/v1 or v1beta1 `Event`) as the k8s_audit source hands it to the
// engine. Only capture/k8saudit/parse.ts builds them, so every one has an `auditID` (the plugin treats
// JSON without one as unrelated) and a time taken from `stageTimestamp`, as the plugin does.

import type { JsonDocument } from '../json/document.js';
import type { JsonEvent } from '../json/event.js';

export interface K8sAuditEvent extends JsonEvent {
  readonly value: Readonly<Record<string, unknown>>;
  /** The cluster the event came from, when the webhook URL or the configuration names it (`ka.cluster.name`). */
  readonly cluster?: string;
}

/** An audit event read from indexed text: its members are parsed as extractors ask for them. */
export class IndexedAuditEvent implements K8sAuditEvent {
  readonly text?: string;
  readonly cluster?: string;

  constructor(
    readonly doc: JsonDocument,
    readonly time: bigint,
    readonly num: number,
    text: string | undefined,
    cluster: string | undefined,
  ) {
    if (text !== undefined) this.text = text;
    if (cluster !== undefined) this.cluster = cluster;
  }

  /** The whole event, parsed on first use (json.obj without text, evt.plugininfo, callers outside the engine). */
  get value(): Readonly<Record<string, unknown>> {
    return this.doc.value(this.doc.root) as Record<string, unknown>;
  }
}
