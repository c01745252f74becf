// POST /k8s-audit: the Kubernetes API server's audit webhook backend (an EventList per batch; a single
// Event or a JSON array of them are taken too). `?cluster=NAME` names the cluster (`ka.cluster.name`).
// Bodies are read and evaluated in the evaluation threads (eval-pool.ts; `k8saudit.threads`), or on the
// main thread with `threads: 0`, by the same code (body.ts); the main thread routes the alerts and answers.

import { HttpError, sendUnavailable } from '../../src/server/errors.js';
import type { RoutePlugin } from '../../src/server/plugin.js';
import { answer, evaluateAndRoute, installRawEventBodies, outcomeOf, routeAlerts } from '../ingest.js';
import { EMPTY_BODY, readAuditBody } from './body.js';
import { readK8sAuditSettings } from './config.js';
import type { BodyOptions } from './eval-messages.js';
import { EvalPool, EvalThreadStoppedError } from './eval-pool.js';

const ROUTE = 'POST /k8s-audit';

export const k8sAuditRoutes: RoutePlugin = async (app, deps) => {
  const settings = readK8sAuditSettings(deps.config);
  if (!settings.enabled || !deps.rules.sources.includes('k8s_audit')) {
    deps.logger.info('POST /k8s-audit is off (k8saudit.enabled, or k8s_audit not in rules.sources)');
    return;
  }
  installRawEventBodies(app);
  let pool: EvalPool | undefined;
  if (settings.threads > 0) {
    pool = await EvalPool.start(deps.rules, { size: settings.threads, logger: deps.logger, onRestart: () => deps.metrics.countEvalThreadRestart() });
    app.addHook('onClose', () => pool!.close());
    deps.logger.info({ threads: pool.size }, `POST /k8s-audit: ${pool.size} evaluation thread(s)`);
  }

  app.post('/k8s-audit', { bodyLimit: settings.maxBodyBytes }, async (request, reply) => {
    const bytes = request.body as Buffer | undefined;
    if (bytes === undefined || bytes.length === 0) throw new HttpError(400, EMPTY_BODY);
    const { cluster } = request.query as { cluster?: unknown };
    const clusterName = typeof cluster === 'string' && cluster !== '' ? cluster : settings.clusterName;
    const options: BodyOptions = { maxEventBytes: settings.maxEventBytes, ...(clusterName !== '' ? { cluster: clusterName } : {}) };

    if (pool === undefined) {
      const body = readAuditBody(bytes, options);
      if (body.kind === 'empty') throw new HttpError(400, EMPTY_BODY);
      if (body.kind === 'invalid') throw new HttpError(400, body.message);
      const alerts = await evaluateAndRoute(deps, 'k8s_audit', body.batch);
      return answer(reply, deps.logger, ROUTE, outcomeOf(body.batch), alerts);
    }

    let result;
    try {
      result = await pool.evaluate(bytes, options);
    } catch (err) {
      if (err instanceof EvalThreadStoppedError) return sendUnavailable(reply, err.message);
      throw err;
    }
    if (result.kind === 'empty') throw new HttpError(400, EMPTY_BODY);
    if (result.kind === 'invalid') throw new HttpError(400, result.message);
    await routeAlerts(deps, 'k8s_audit', result.outcome, result.alerts);
    return answer(reply, deps.logger, ROUTE, result.outcome, result.alerts.length);
  });
};
