// For outputs whose peer takes one alert per request (a Slack message, a PagerDuty event, a mail, a script
// run): deliver a batch one by one, at most `concurrency` at a time, and report exactly which alerts failed so
// the queue retries or dead-letters only those.

import { DeliveryError, PartialDeliveryError, RetryableError, type Alert } from './output.js';

function asDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  return new RetryableError(err instanceof Error ? err.message : String(err), undefined, { cause: err });
}

/**
 * Resolves when every alert was delivered; otherwise throws a PartialDeliveryError naming the failed ones.
 * Once the peer says to slow down (a RetryableError with retryAfterMs), alerts not yet started are not sent
 * at all but failed with that same error, so they wait for the same Retry-After.
 */
export async function deliverEach(
  alerts: readonly Alert[],
  concurrency: number,
  signal: AbortSignal,
  deliverOne: (alert: Alert, index: number) => Promise<void>,
): Promise<void> {
  const failures = new Map<number, DeliveryError>();
  let next = 0;
  let stopWith: DeliveryError | undefined;

  const worker = async (): Promise<void> => {
    while (next < alerts.length) {
      const i = next++;
      if (stopWith || signal.aborted) {
        failures.set(i, stopWith ?? new RetryableError('not sent: the attempt was aborted'));
        continue;
      }
      try {
        await deliverOne(alerts[i]!, i);
      } catch (err) {
        const failure = asDeliveryError(err);
        failures.set(i, failure);
        if (failure instanceof RetryableError && failure.retryAfterMs !== undefined) stopWith = failure;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, alerts.length)) }, worker));
  if (failures.size > 0) throw new PartialDeliveryError(failures);
}
