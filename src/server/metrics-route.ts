// GET /metrics in Prometheus' text format.

import type { FastifyInstance } from 'fastify';
import type { SakerMetrics } from './metrics.js';

export interface MetricsRouteOptions {
  metrics: SakerMetrics;
}

export async function metricsRoute(app: FastifyInstance, options: MetricsRouteOptions): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await options.metrics.render();
    return reply.type(contentType).send(body);
  });
}
