// The HTTP API: fastify with saker's logger, TLS or mutual TLS when configured, JSON bodies, bearer-token
// authentication, one error shape, and the route groups of routes.ts.

import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { installAuth } from './auth.js';
import { installContentEncodings } from './content-encoding.js';
import { errorBody, installErrorHandling } from './errors.js';
import { installJsonBodies } from './json-body.js';
import type { RoutePlugin, ServerDeps } from './plugin.js';
import { ROUTE_PLUGINS } from './routes.js';

export interface ServerOptions {
  /** Serve over plain HTTP (the `tlsserver.notlspaths` listener) even when TLS is configured. */
  plain?: boolean;
  /** Answer only these paths; 404 for the others. */
  onlyPaths?: readonly string[];
  plugins?: readonly RoutePlugin[];
}

export async function buildServer(deps: ServerDeps, options: ServerOptions = {}): Promise<FastifyInstance> {
  const { service } = deps;
  const tls = options.plain ? undefined : service.tls;
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

  // No per-request child logger: saker does not log per request, and at Falco's rates the allocation shows.
  app.setChildLoggerFactory((logger) => logger);
  installJsonBodies(app);
  installContentEncodings(app);
  installErrorHandling(app, service.listen.bodyLimit);
  const only = options.onlyPaths;
  if (only) {
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0]!;
      if (!only.includes(path)) return reply.code(404).send(errorBody(404, `${path} is served over TLS only (tlsserver.notlspaths)`));
    });
  }
  installAuth(app, service.authTokens);
  for (const plugin of options.plugins ?? ROUTE_PLUGINS) await app.register(plugin, deps);
  return app;
}
