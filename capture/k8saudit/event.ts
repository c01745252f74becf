// A Kubernetes audit event (audit.k8s.io/v1 or v1beta1 `Event`) as the k8s_audit source hands it to the
// engine. Only capture/k8saudit/parse.ts builds them, so every one has an `auditID` (the plugin treats
// JSON without one as unrelated) and a time taken from `stageTimestamp`, as the plugin does.

import type { JsonEvent } from '../json/event.js';

export interface K8sAuditEvent extends JsonEvent {
  readonly value: Readonly<Record<string, unknown>>;
  /** The cluster the event came from, when the webhook URL or the configuration names it (`ka.cluster.name`). */
  readonly cluster?: string;
}
