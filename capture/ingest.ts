// What the event endpoints (POST /k8s-audit, POST /events/json) share: evaluate the usable events, hand
// the alerts to the router (which resolves once they are queued), and answer with what was taken and
// what was not — the count and the reasons — logging the unusable events too.

import type { FastifyInstance, FastifyReply } from 'fastify';
import { decodeUtf8 } from './json/decode.js';
import type { Logger } from 'pino';
import type { Alert, OutputFieldValue } from '../src/alert.js';
import { QueueUnavailableError } from '../src/queue/queue.js';
import { errorBody } from '../src/server/errors.js';
import type { ServerDeps } from '../src/server/plugin.js';
import type { JsonEvent } from './json/event.js';
import { MAX_PROBLEMS, outcomeOf, type IngestBatch, type IngestOutcome } from './outcome.js';

export { outcomeOf, type IngestBatch, type IngestOutcome };

class BodyError extends Error {
  readonly statusCode = 400;
}

/**
 * Event bodies (POST /events/json) are read as bytes, decoded once and parsed (POST /k8s-audit reads its
 * bodies itself: installRawEventBodies).
 * Unlike `POST /`, no `__proto__` scan: events are never merged into other objects — extractors read own
 * members only — so such a key is just data here.
 */
export function installEventBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  for (const type of ['application/json', /^application\/[\w.+-]+\+json(?:\s*;|$)/i]) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_request, body, done) => {
      const text = decodeUtf8(body as Buffer);
      if (!/\S/.test(text)) return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch (err) {
        done(new BodyError(`body: invalid JSON: ${(err as Error).message}`), undefined);
      }
    });
  }
}

/**
 * Event bodies as the bytes received, for a route that reads them itself (POST /k8s-audit, in its
 * evaluation threads or not): the body is a Buffer, empty when the request had none.
 */
export function installRawEventBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  for (const type of ['application/json', /^application\/[\w.+-]+\+json(?:\s*;|$)/i]) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  }
}

/** A copy of a string that shares no memory with the string it was cut from. */
const own = (text: string): string => JSON.parse(JSON.stringify(text)) as string;

function ownValue(value: OutputFieldValue): OutputFieldValue {
  if (typeof value === 'string') return own(value);
  if (Array.isArray(value)) return value.map(ownValue);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ownValue(v)]));
  return value;
}

/** The alert with copies of the strings that come from the event. */
function detached(alert: Alert): Alert {
  const fields: Record<string, OutputFieldValue> = {};
  for (const [key, value] of Object.entries(alert.output_fields)) fields[key] = ownValue(value);
  return { ...alert, output: own(alert.output), output_fields: fields };
}

/** Evaluates every usable event on this thread, then routes the alerts (routeAlerts). */
export async function evaluateAndRoute(deps: ServerDeps, source: string, batch: IngestBatch): Promise<number> {
  const alerts: Alert[] = [];
  for (const event of batch.events) {
    const raised = deps.rules.evaluate(source, event);
    // Values of an event read from indexed text are pieces of the request body's text, which an alert
    // waiting in the queue would keep alive whole: queued alerts get their own copies.
    const indexed = (event as JsonEvent).doc !== undefined;
    for (let i = 0; i < raised.length; i++) alerts.push(indexed ? detached(raised[i]!) : raised[i]!);
  }
  await routeAlerts(deps, source, outcomeOf(batch), alerts);
  return alerts.length;
}

/**
 * Alerts of evaluated events reach the queue before the answer (503 and nothing queued if it cannot).
 * Counts events and alerts for /metrics.
 */
export async function routeAlerts(deps: ServerDeps, source: string, outcome: IngestOutcome, alerts: Alert[]): Promise<void> {
  const { metrics } = deps;
  metrics.countEvents(source, 'rejected', outcome.rejected);
  if (alerts.length > 0) {
    try {
      await deps.router.route(alerts);
    } catch (err) {
      if (err instanceof QueueUnavailableError) {
        metrics.countEvents(source, 'unavailable', outcome.accepted);
        metrics.countInput(source, 'unavailable', alerts.length);
      }
      throw err;
    }
    metrics.countAccepted(source, alerts);
  }
  metrics.countEvents(source, 'accepted', outcome.accepted);
}

/**
 * 200 with counts when at least one event was usable (or the batch was empty); 400 when none was. The
 * Kubernetes API server does not retry 4xx, and retrying a batch whose good events were taken would
 * duplicate their alerts.
 */
export function answer(reply: FastifyReply, logger: Logger, route: string, outcome: IngestOutcome, alerts: number): FastifyReply {
  const { accepted, rejected, problems } = outcome;
  if (rejected === 0) {
    return reply.type('application/json').send(`{"accepted":${accepted},"rejected":0,"alerts":${alerts}}`);
  }
  const first = `${problems[0]!.where}: ${problems[0]!.reason}`;
  logger.warn({ route, accepted, rejected, problems: problems.slice(0, 10) }, `${route}: ${rejected} unusable event(s), first: ${first}`);
  const body = {
    accepted,
    rejected,
    alerts,
    problems: problems.slice(0, MAX_PROBLEMS).map((r) => ({ where: r.where, reason: r.reason })),
  };
  if (accepted > 0) return reply.send(body);
  const more = rejected > 1 ? ` (and ${rejected - 1} more)` : '';
  return reply.code(400).send({ ...errorBody(400, `no usable event: ${first}${more}`), ...body });
}
