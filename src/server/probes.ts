// Liveness and readiness, without authentication: `GET /ping` (Falcosidekick's) and `GET /healthz`.
//
// /healthz says whether saker can take alerts at all: 503 while shutting down or while Redis cannot take
// writes. A slow output whose queue is full does not count (POST / answers 503 for that output's alerts): a
// liveness probe must not restart saker because a webhook is slow. The answer is public, so it says what is
// wrong in a few words and nothing about the connection (host, user, database); the details go to the log.

import type { QueueHealth } from '../queue/queue.js';
import type { RoutePlugin } from './plugin.js';

/** The reason an unauthenticated caller may read. */
export function publicReason(kind: string, reason: string): string {
  if (reason === 'saker is shutting down') return reason;
  if (kind === 'redis') return /\brefused\b/.test(reason) ? 'redis refuses writes' : 'redis unreachable';
  return `the ${kind} queue cannot take alerts`;
}

export const probeRoutes: RoutePlugin = async (app, { queue, logger }) => {
  let lastLogged: string | undefined;
  const logChange = (health: QueueHealth) => {
    const reason = health.ok ? undefined : health.reason;
    if (reason === lastLogged) return;
    lastLogged = reason;
    if (reason === undefined) logger.info('/healthz: ok again');
    else logger.warn({ reason }, `/healthz: unavailable: ${reason}`);
  };

  app.get('/ping', { config: { public: true } }, async (_request, reply) => reply.type('text/plain').send('pong\n'));

  app.get('/healthz', { config: { public: true } }, async (_request, reply) => {
    const health = await queue.health();
    logChange(health);
    if (health.ok) return { status: 'ok' };
    return reply.code(503).send({ status: 'unavailable', reason: publicReason(queue.kind, health.reason) });
  });
};
