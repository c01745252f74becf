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
  // The threads start with the first request: a saker that gets no audit events does not pay for them
  // (some 25 MB and a second of CPU to build the rules once more). If they cannot start, the main thread
  // evaluates, and the log says why.
  let starting: Promise<EvalPool | undefined> | undefined;
  const threads = (): Promise<EvalPool | undefined> =>
    (starting ??= EvalPool.start(deps.rules, {
      size: settings.threads,
      // Room for the rules and a few bodies of the largest size, each read into text, index and values.
      heapMb: Math.max(256, 32 * Math.ceil(settings.maxBodyBytes / 2 ** 20)),
      logger: deps.logger,
      onRestart: () => deps.metrics.countEvalThreadRestart(),
    }).then(
      (pool) => {
        deps.logger.info({ threads: pool.size }, `POST /k8s-audit: ${pool.size} evaluation thread(s) started`);
        return pool;
      },
      (err: unknown) => {
        deps.logger.error({ err }, 'POST /k8s-audit: the evaluation threads could not start; the main thread evaluates the events');
        return undefined;
      },
    ));
  app.addHook('onClose', async () => {
    await (await starting)?.close();
  });

  app.post('/k8s-audit', { bodyLimit: settings.maxBodyBytes }, async (request, reply) => {
    const bytes = request.body as Buffer | undefined;
    if (bytes === undefined || bytes.length === 0) throw new HttpError(400, EMPTY_BODY);
    const { cluster } = request.query as { cluster?: unknown };
    const clusterName = typeof cluster === 'string' && cluster !== '' ? cluster : settings.clusterName;
    const options: BodyOptions = { maxEventBytes: settings.maxEventBytes, ...(clusterName !== '' ? { cluster: clusterName } : {}) };

    const pool = settings.threads > 0 ? await threads() : undefined;
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
