// One error shape for every route: `{"error": "<HTTP reason>", "message": "<what and where>"}`.

import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import { QueueUnavailableError } from '../queue/queue.js';

export function errorBody(status: number, message: string): { error: string; message: string } {
  return { error: STATUS_CODES[status] ?? 'Error', message };
}

/** An error a route throws on purpose: its status and message go to the client as they are. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody(404, `no route ${request.method} ${request.url.split('?')[0]}`));
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof QueueUnavailableError) {
      request.log.warn({ reason: err.message }, 'alerts refused: the queue cannot take them');
      return reply.code(503).header('retry-after', '1').send(errorBody(503, `${err.message}; nothing was accepted, retry later`));
    }
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.code(413).send(errorBody(413, `body: larger than the limit of ${request.routeOptions.bodyLimit ?? bodyLimit} bytes`));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
        const type = request.headers['content-type'];
        return reply
          .code(415)
          .send(errorBody(415, `${type ? `content type '${type}' is not supported` : 'a content type is required'}; send application/json`));
      }
      default:
        break;
    }
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err, url: request.url }, 'request failed');
      return reply.code(status).send(errorBody(status, 'internal error; see the saker log'));
    }
    return reply.code(status).send(errorBody(status, err.message));
  });
}
