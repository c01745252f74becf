// Shutdown runs against one deadline for every step, whatever Redis or an output does.

/** Whether `work` settled before `deadline` (ms since the epoch). It goes on either way. */
export async function settledBefore(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * At shutdown, the end of the budget kept for interrupted deliveries to reschedule their alerts in Redis
 * (at most half the budget).
 */
const RESCHEDULE_GRACE_MS = 3000;

/** When deliveries still in flight are cut short, for a stop that began at `start`, so that they can still reschedule their alerts in time. */
export function interruptAt(start: number, deadline: number): number {
  return deadline - Math.min(RESCHEDULE_GRACE_MS, (deadline - start) / 2);
}
