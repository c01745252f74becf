// How HTTP-speaking outputs classify failures for the queue: what is worth retrying, and when.

import { PermanentError, RetryableError, type DeliveryError } from './output.js';

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * A non-2xx answer: 408, 429 and 5xx are worth retrying (429 and 503 after their Retry-After); any other
 * status means the request itself is wrong and retrying cannot help.
 */
export function failureForStatus(what: string, status: number, retryAfter: string | string[] | undefined, body: string): DeliveryError {
  const detail = body.trim() === '' ? '' : `: ${body.trim().slice(0, 300)}`;
  const message = `${what} answered HTTP ${status}${detail}`;
  if (status === 408 || status === 429 || status >= 500) return new RetryableError(message, parseRetryAfter(retryAfter));
  return new PermanentError(message);
}

// Certificate problems are configuration problems: retrying the same handshake cannot succeed.
const CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
]);

/** A failure below HTTP: refused or reset connections and timeouts are retried, certificate errors are not. */
export function failureForNetworkError(what: string, err: unknown): DeliveryError {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = `${what}: ${e?.message ?? String(err)}${code && !String(e?.message).includes(code) ? ` (${code})` : ''}`;
  if (CERTIFICATE_CODES.has(code)) {
    return new PermanentError(`${message}; trust the server's CA with tlsclient.cacertfile, or set checkcert: false`, { cause: err });
  }
  return new RetryableError(message, undefined, { cause: err });
}
