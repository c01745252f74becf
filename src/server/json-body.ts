// JSON request bodies: `application/json` and `application/…+json`; any other content type gets 415.
// Plain JSON.parse (the hot path) plus a check that refuses `__proto__` keys, which could otherwise poison
// an object that code merges the body into.

import type { FastifyInstance } from 'fastify';

const PROTO_KEY = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;

// Stops at the first non-blank character: no copy of the body, unlike trim().
const NOT_BLANK = /\S/;

class BodyError extends Error {
  readonly statusCode = 400;
}

function parseJson(raw: Buffer): unknown {
  // The body arrives as bytes (outside the JS heap) and becomes one string here, not a chain of chunks.
  const text = raw.toString('utf8');
  // An empty body is no body: each route says whether it needs one.
  if (!NOT_BLANK.test(text)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // gzip's magic number: a compressed body sent without saying so.
    if (raw[0] === 0x1f && raw[1] === 0x8b) throw new BodyError('body: invalid JSON: this is gzip data; send it with Content-Encoding: gzip');
    throw new BodyError(`body: invalid JSON: ${(err as Error).message}`);
  }
  if ((text.includes('__') || text.includes('\\u')) && PROTO_KEY.test(text)) throw new BodyError('body: keys named __proto__ are not accepted');
  return parsed;
}

export function installJsonBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  for (const type of ['application/json', /^application\/[\w.+-]+\+json(?:\s*;|$)/i]) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => {
      try {
        done(null, parseJson(body as Buffer));
      } catch (err) {
        done(err as BodyError, undefined);
      }
    });
  }
}
