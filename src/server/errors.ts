// One error shape for every route: `{"error": "<HTTP reason>", "message": "<what and where>"}`.

import { STATUS_CODES } from 'node:http';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { QueueUnavailableError } from '../queue/queue.js';

// Control characters and U+FFFD (what invalid UTF-8 decodes to): what binary data looks like in a message.
const NOT_PRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/g;
const MAX_MESSAGE = 1000;

/** A message as a client may read it: no binary (escaped as \uXXXX), not endless. */
export function printable(message: string): string {
  const text = message.replace(NOT_PRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

export function errorBody(status: number, message: string): { error: string; message: string } {
  return { error: STATUS_CODES[status] ?? 'Error', message: printable(message) };
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

/** 503 with Retry-After: the queue (Redis) cannot do this now, the client should try again. */
export function sendUnavailable(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(503).header('retry-after', '1').send(errorBody(503, message));
}

/**
 * A 503 answers one request, and senders retry (Falco does): during an outage a log line per refusal would be
 * a line per retry. A refusal is logged when its reason is new (numbers aside: a full queue's count moves),
 * otherwise once a minute with how many were refused since; the outage itself is logged where it is seen.
 */
class RefusalLog {
  private last: { key: string; at: number } | undefined;
  private unlogged = 0;

  note(log: FastifyBaseLogger, reason: string): void {
    const key = reason.replace(/\d+/g, '#');
    const now = Date.now();
    if (this.last?.key === key && now - this.last.at < 60_000) {
      this.unlogged++;
      return;
    }
    log.warn({ reason, refusedSinceLastLine: this.unlogged }, 'alerts refused: the queue cannot take them');
    this.last = { key, at: now };
    this.unlogged = 0;
  }
}

export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  const refusals = new RefusalLog();
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody(404, `no route ${request.method} ${request.url.split('?')[0]}`));
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof QueueUnavailableError) {
      refusals.note(request.log, err.message);
      return sendUnavailable(reply, `${err.message}; nothing was accepted, retry later`);
    }
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE': {
        const limit = request.routeOptions.bodyLimit ?? bodyLimit;
        const encoding = request.headers['content-encoding'];
        const encoded = encoding !== undefined && !/^\s*(identity\s*)?$/i.test(encoding);
        return reply.code(413).send(errorBody(413, `body: larger than the limit of ${limit} bytes${encoded ? ' (the limit applies to the decompressed body too)' : ''}`));
      }
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
