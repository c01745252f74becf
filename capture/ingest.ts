// What the event endpoints (POST /k8s-audit, POST /events/json) share: evaluate the usable events, hand
// the alerts to the router (which resolves once they are queued), and answer with what was taken and
// what was not — the count and the reasons — logging the unusable events too.

import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Alert } from '../src/alert.js';
import { errorBody } from '../src/server/errors.js';
import type { ServerDeps } from '../src/server/plugin.js';
import type { Rejection } from './json/event.js';

/** Enough reasons to fix a sender without answering megabytes for a batch of garbage. */
const MAX_PROBLEMS = 100;

export interface IngestBatch {
  readonly events: readonly unknown[];
  readonly rejected: readonly Rejection[];
}

/** Evaluates every event; alerts reach the queue before the answer (503 and nothing queued if it cannot). */
export async function evaluateAndRoute(deps: ServerDeps, source: string, events: readonly unknown[]): Promise<number> {
  const alerts: Alert[] = [];
  for (const event of events) {
    const raised = deps.rules.evaluate(source, event);
    for (let i = 0; i < raised.length; i++) alerts.push(raised[i]!);
  }
  if (alerts.length > 0) await deps.router.route(alerts);
  return alerts.length;
}

/**
 * 200 with counts when at least one event was usable (or the batch was empty); 400 when none was. The
 * Kubernetes API server does not retry 4xx, and retrying a batch whose good events were taken would
 * duplicate their alerts.
 */
export function answer(reply: FastifyReply, logger: Logger, route: string, batch: IngestBatch, alerts: number): FastifyReply {
  const { rejected } = batch;
  if (rejected.length === 0) {
    return reply.type('application/json').send(`{"accepted":${batch.events.length},"rejected":0,"alerts":${alerts}}`);
  }
  const first = `${rejected[0]!.where}: ${rejected[0]!.reason}`;
  logger.warn({ route, accepted: batch.events.length, rejected: rejected.length, problems: rejected.slice(0, 10) }, `${route}: ${rejected.length} unusable event(s), first: ${first}`);
  const body = {
    accepted: batch.events.length,
    rejected: rejected.length,
    alerts,
    problems: rejected.slice(0, MAX_PROBLEMS).map((r) => ({ where: r.where, reason: r.reason })),
  };
  if (batch.events.length > 0) return reply.send(body);
  const more = rejected.length > 1 ? ` (and ${rejected.length - 1} more)` : '';
  return reply.code(400).send({ ...errorBody(400, `no usable event: ${first}${more}`), ...body });
}
