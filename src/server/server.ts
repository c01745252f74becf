// The HTTP API: fastify with saker's logger, TLS or mutual TLS when configured, JSON bodies, bearer-token
// authentication, one error shape, and the route groups of routes.ts.

import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { installAuth } from './auth.js';
import { installErrorHandling } from './errors.js';
import { installJsonBodies } from './json-body.js';
import type { RoutePlugin, ServerDeps } from './plugin.js';
import { ROUTE_PLUGINS } from './routes.js';

export async function buildServer(deps: ServerDeps, plugins: readonly RoutePlugin[] = ROUTE_PLUGINS): Promise<FastifyInstance> {
  const { service } = deps;
  const tls = service.tls;
  const app = Fastify({
    loggerInstance: deps.logger,
    // Per-request logs would cost more than the request at Falco's rates; failures are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: service.listen.bodyLimit,
    // Falco's http_output and load balancers keep connections open; let them.
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    ...(tls
      ? {
          https: {
            cert: tls.cert,
            key: tls.key,
            ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
          },
        }
      : {}),
  }) as unknown as FastifyInstance;

  installJsonBodies(app);
  installErrorHandling(app, service.listen.bodyLimit);
  installAuth(app, service.authTokens);
  for (const plugin of plugins) await app.register(plugin, deps);
  return app;
}
