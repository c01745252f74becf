// POST /k8s-audit: the Kubernetes API server's audit webhook backend (an EventList per batch; a single
// Event or a JSON array of them are taken too). `?cluster=NAME` names the cluster (`ka.cluster.name`).

import { HttpError } from '../../src/server/errors.js';
import type { RoutePlugin } from '../../src/server/plugin.js';
import { answer, evaluateAndRoute, installEventBodies } from '../ingest.js';
import { readK8sAuditSettings } from './config.js';
import { JsonDocument } from '../json/document.js';
import { indexDocument } from '../json/indexer.js';
import { auditPayload, indexedAuditPayload } from './parse.js';

/** EventList → items → event → its members → theirs. */
const BODY_INDEX_DEPTH = 4;

export const k8sAuditRoutes: RoutePlugin = async (app, deps) => {
  const settings = readK8sAuditSettings(deps.config);
  if (!settings.enabled || !deps.rules.sources.includes('k8s_audit')) {
    deps.logger.info('POST /k8s-audit is off (k8saudit.enabled, or k8s_audit not in rules.sources)');
    return;
  }
  // Events are indexed as deep as in a line of an audit log: the body's items, their members, and theirs.
  installEventBodies(app, (text, bytes) => indexDocument(text, bytes, BODY_INDEX_DEPTH));
  app.post('/k8s-audit', { bodyLimit: settings.maxBodyBytes }, async (request, reply) => {
    if (request.body === undefined) throw new HttpError(400, 'body: expected a Kubernetes audit EventList, an Event, or a JSON array of them');
    const { cluster } = request.query as { cluster?: unknown };
    const clusterName = typeof cluster === 'string' && cluster !== '' ? cluster : settings.clusterName;
    const options = { maxEventBytes: settings.maxEventBytes, ...(clusterName !== '' ? { cluster: clusterName } : {}) };
    const batch = request.body instanceof JsonDocument ? indexedAuditPayload(request.body, options) : auditPayload(request.body, options);
    const alerts = await evaluateAndRoute(deps, 'k8s_audit', batch);
    return answer(reply, deps.logger, 'POST /k8s-audit', batch, alerts);
  });
};
