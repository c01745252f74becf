// Liveness and readiness, without authentication: `GET /ping` (Falcosidekick's) and `GET /healthz`.

import type { RoutePlugin } from './plugin.js';

export const probeRoutes: RoutePlugin = async (app, { queue }) => {
  app.get('/ping', { config: { public: true } }, async (_request, reply) => reply.type('text/plain').send('pong\n'));

  app.get('/healthz', { config: { public: true } }, async (_request, reply) => {
    const health = await queue.health();
    if (health.ok) return { status: 'ok' };
    return reply.code(503).send({ status: 'unavailable', reason: health.reason });
  });
};
