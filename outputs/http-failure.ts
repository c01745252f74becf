// How an HTTP peer's answer becomes a delivery verdict, the same way for every HTTP output: 429 and 5xx (and
// 408) are worth retrying, honouring Retry-After; other 4xx are permanent; network errors are retryable.

import { PermanentError, RetryableError, type DeliveryError } from './output.js';

/** Retry-After as milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | null | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return undefined;
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The verdict for a non-success HTTP status; `what` says who answered (`Slack webhook`), `detail` why. */
export function httpFailure(what: string, status: number, detail: string, retryAfter?: string | string[] | null): DeliveryError {
  const message = `${what} answered HTTP ${status}${detail ? `: ${truncate(detail, 500)}` : ''}`;
  if (isRetryableStatus(status)) return new RetryableError(message, retryAfterMs(retryAfter));
  return new PermanentError(message);
}

/** A failure before any answer (refused, reset, DNS, TLS handshake, aborted): retryable. */
export function networkFailure(what: string, err: unknown): RetryableError {
  const reason = err instanceof Error ? describeCause(err) : String(err);
  return new RetryableError(`${what} unreachable: ${reason}`, undefined, { cause: err });
}

function describeCause(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  const code = (err as { code?: unknown }).code ?? (cause as { code?: unknown } | undefined)?.code;
  const inner = cause instanceof Error && cause.message !== err.message ? ` (${cause.message})` : '';
  return `${err.message}${inner}${typeof code === 'string' && !err.message.includes(code) ? ` [${code}]` : ''}`;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
