// Audit events made for the tests: a well-formed audit.k8s.io/v1 Event, and helpers to vary it.

import type { K8sAuditEvent } from '../../capture/k8saudit/event.js';
import { auditEvent, DEFAULT_MAX_EVENT_BYTES } from '../../capture/k8saudit/parse.js';

export function auditJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: '5d0fb4ff-1c4b-4b7f-9b2a-7c1f4e0c2a11',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods',
    verb: 'create',
    user: { username: 'alice', groups: ['dev', 'system:authenticated'] },
    sourceIPs: ['10.0.0.7', '192.168.1.2'],
    userAgent: 'kubectl/v1.29.0',
    objectRef: { resource: 'pods', namespace: 'default', name: 'web-1', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 201 },
    requestReceivedTimestamp: '2026-11-29T01:02:03.000001Z',
    stageTimestamp: '2026-11-29T01:02:03.123456Z',
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed' },
    ...overrides,
  };
}

export function auditOf(value: Record<string, unknown>, cluster?: string): K8sAuditEvent {
  const parsed = auditEvent(value, { maxEventBytes: DEFAULT_MAX_EVENT_BYTES, ...(cluster ? { cluster } : {}) });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}

export function pod(spec: Record<string, unknown>): K8sAuditEvent {
  return auditOf(auditJson({ requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web-1' }, spec } }));
}
