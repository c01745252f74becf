// One delivery attempt and its verdict, shared by both queue implementations so that they classify
// failures, split partial batches and compute backoff identically. Queues own the scheduling; this file
// owns the decisions.

import type { Alert } from '../alert.js';
import { DeliveryError, PartialDeliveryError, RetryableError } from '../../outputs/output.js';
import type { DeliveryPolicy, DeliveryTarget } from './queue.js';

export interface FailedAlert {
  alert: Alert;
  error: string;
}

export interface AttemptOutcome {
  /** Alerts the peer has. */
  delivered: Alert[];
  /** Alerts to try again, and when (undefined when there are none). */
  retry?: { alerts: Alert[]; delayMs: number; error: string };
  /** Alerts that failed permanently or ran out of attempts: to the dead letters. */
  dead: FailedAlert[];
}

/** Full-jitter exponential backoff (AWS's "full jitter"): spreads retries of many failed batches apart. */
export function backoffDelay(policy: DeliveryPolicy, retryNumber: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.round(random() * ceiling);
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

function asDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  // Anything an output did not classify (a bug, a client library's own error) is retried: losing an alert
  // to an unclassified exception would be worse than a bounded number of retries.
  return new RetryableError(describe(err), undefined, { cause: err });
}

/**
 * Sends `alerts` once (attempt number `attempt`, 1-based) and says what happens to each. A timeout aborts
 * the send's signal and counts as a retryable failure. `shutdown`, when given, aborts too. `enqueuedAt`
 * (ms since the epoch), when the queue knows it, is passed on to the output as SendContext.enqueuedAt.
 */
export async function attemptDelivery(
  target: DeliveryTarget,
  alerts: Alert[],
  attempt: number,
  shutdown?: AbortSignal,
  enqueuedAt?: number,
): Promise<AttemptOutcome> {
  const { output, policy } = target;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new RetryableError(`timed out after ${policy.timeoutMs} ms`)),
    policy.timeoutMs,
  );
  const onShutdown = () => controller.abort(new RetryableError('saker is shutting down'));
  shutdown?.addEventListener('abort', onShutdown, { once: true });
  try {
    await Promise.race([
      output.send(alerts, { attempt, signal: controller.signal, enqueuedAt }),
      new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      }),
    ]);
    return { delivered: alerts, dead: [] };
  } catch (err) {
    return judge(policy, alerts, attempt, err);
  } finally {
    clearTimeout(timer);
    shutdown?.removeEventListener('abort', onShutdown);
  }
}

/** The verdict for a failed attempt: which alerts are retried, when, and which are dead. */
export function judge(policy: DeliveryPolicy, alerts: Alert[], attempt: number, err: unknown): AttemptOutcome {
  const failures: Array<[Alert, DeliveryError]> = [];
  const delivered: Alert[] = [];
  if (err instanceof PartialDeliveryError) {
    alerts.forEach((alert, i) => {
      const failure = err.failures.get(i);
      if (failure) failures.push([alert, failure]);
      else delivered.push(alert);
    });
  } else {
    const failure = asDeliveryError(err);
    for (const alert of alerts) failures.push([alert, failure]);
  }

  const dead: FailedAlert[] = [];
  const again: Alert[] = [];
  let retryAfterMs = 0;
  let lastRetryError = '';
  for (const [alert, failure] of failures) {
    if (failure.retryable && attempt < policy.maxAttempts) {
      again.push(alert);
      lastRetryError = failure.message;
      if (failure instanceof RetryableError && failure.retryAfterMs !== undefined) {
        retryAfterMs = Math.max(retryAfterMs, failure.retryAfterMs);
      }
    } else {
      const why = failure.retryable ? `gave up after ${attempt} attempt(s): ${failure.message}` : failure.message;
      dead.push({ alert, error: why });
    }
  }
  const outcome: AttemptOutcome = { delivered, dead };
  if (again.length > 0) {
    // A peer's Retry-After wins over our backoff when it asks for longer.
    const delayMs = Math.max(retryAfterMs, backoffDelay(policy, attempt));
    outcome.retry = { alerts: again, delayMs, error: lastRetryError };
  }
  return outcome;
}
