// Compressed request bodies: `Content-Encoding: gzip` (or `x-gzip`) and `deflate` (zlib, RFC 9110) are decoded
// before any body parser sees them, on every route; other encodings get 415. The body limit applies to the
// decoded bytes too (fastify counts what the parser reads), so that a small zip bomb is answered 413 instead of
// being inflated in memory.

import type { Readable } from 'node:stream';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

const DECODERS: Readonly<Record<string, () => Gunzip | Inflate>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
};

/** The codings of a Content-Encoding header, in the order they were applied; `identity` means none. */
export function contentCodings(header: string): string[] {
  return header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
}

function decoder(coding: string): Gunzip | Inflate {
  const stream = DECODERS[coding]!();
  stream.on('error', (err: Error & { statusCode?: number }) => {
    // fastify answers a body stream's error with its message: say what it is about, with zlib's reason.
    err.message = `body: not valid ${coding} data (Content-Encoding: ${coding}): ${err.message}`;
    err.statusCode = 400;
  });
  return stream;
}

export function installContentEncodings(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs for every request, and most carry no Content-Encoding.
  app.addHook('preParsing', (request, reply, payload, done) => {
    const header = request.headers['content-encoding'];
    if (header === undefined || request.method === 'GET' || request.method === 'HEAD') return done(null, payload);
    const codings = contentCodings(header);
    if (codings.length === 0) return done(null, payload);
    const unknown = codings.find((c) => !Object.hasOwn(DECODERS, c));
    if (unknown !== undefined) {
      return done(new HttpError(415, `content encoding '${unknown}' is not supported; send the body uncompressed, or with gzip or deflate`));
    }
    // Codings are listed in the order they were applied: undo the last one first.
    let decoded: Readable & { receivedEncodedLength?: number } = payload;
    for (const coding of [...codings].reverse()) decoded = decoded.pipe(decoder(coding));
    // fastify compares Content-Length with the bytes received, which are the encoded ones.
    let received = 0;
    payload.on('data', (chunk: Buffer) => {
      received += chunk.length;
      decoded.receivedEncodedLength = received;
    });
    // An answer sent before the body was read to its end (413 for a zip bomb) must not leave a decoder working.
    reply.raw.once('close', () => decoded.destroy());
    done(null, decoded);
  });
}
