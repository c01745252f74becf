// Bearer-token authentication. Tokens are compared in constant time — on their SHA-256 digests, so that
// neither the content nor the length of a token leaks through timing — and against every token, always.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function bearerMatcher(tokens: readonly string[]): (header: string | undefined) => boolean {
  const digests = tokens.map(digest);
  return (header) => {
    const given = header !== undefined && header.length > 7 && header.slice(0, 7).toLowerCase() === 'bearer ' ? header.slice(7).trim() : '';
    const candidate = digest(given);
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(candidate, d) || ok;
    return ok && given !== '';
  };
}

/** Requires a valid token on every route not marked `public` (no-op without tokens). */
export function installAuth(app: FastifyInstance, tokens: readonly string[]): void {
  if (tokens.length === 0) return;
  const matches = bearerMatcher(tokens);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.routeOptions.config.public === true) return;
    if (matches(request.headers.authorization)) return;
    reply.header('www-authenticate', 'Bearer realm="saker"');
    return reply.code(401).send({ error: 'Unauthorized', message: 'a valid bearer token is required (Authorization: Bearer TOKEN)' });
  });
}
