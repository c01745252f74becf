// What a group of routes receives. Each group is one fastify plugin in src/server/, listed once in
// src/server/routes.ts; capture sources (POST /k8s-audit, POST /events/json) and /metrics are added the same way.

import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/loader.js';
import type { ServiceConfig } from '../config/service-config.js';
import type { AlertQueue } from '../queue/queue.js';
import type { Router } from '../router/router.js';
import type { RunningRules } from '../rules/live-rules.js';
import type { SakerMetrics } from './metrics.js';

export interface ServerDeps {
  /** Where alerts go: `router.route(alerts)` resolves once they are queued, rejects with QueueUnavailableError. */
  router: Router;
  /**
   * The running rules: capture routes evaluate their events with them (`rules.evaluate(source, event)`);
   * `rules.status` says how the last reload went.
   */
  rules: RunningRules;
  queue: AlertQueue;
  /** The whole configuration, for plugins with a section of their own (`sectionValues(config, 'k8saudit')`). */
  config: LoadedConfig;
  service: ServiceConfig;
  logger: Logger;
  /** Prometheus metrics: inputs count what they accept and refuse (`countAccepted`, `countInput`). */
  metrics: SakerMetrics;
}

/**
 * A route group. Routes are authenticated (when `auth.tokens` is set) unless they say `config: { public: true }`.
 * Bodies of `application/json` (and `…+json`) are parsed already; a route may set its own `bodyLimit`.
 * Throw QueueUnavailableError (or let router.route's rejection through) for a 503; errors with a
 * `statusCode` become that status with their message.
 */
export type RoutePlugin = FastifyPluginAsync<ServerDeps>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No bearer token needed (probes). */
    public?: boolean;
  }
}
