// GET /metrics in Prometheus' text format. Public, like the probes: scrapers rarely carry bearer tokens.

import type { RoutePlugin } from './plugin.js';

export const metricsRoutes: RoutePlugin = async (app, { metrics }) => {
  app.get('/metrics', { config: { public: true } }, async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });
};
