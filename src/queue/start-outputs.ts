// Outputs are started by the queue that delivers them: both queues build and start most of them again in
// their delivery thread instead (thread/guest.ts), and an output must not be started twice.

import type { Output } from '../../outputs/output.js';

/** Runs each output's one-time preparation, in order; the first failure is thrown (the caller closes them). */
export async function startOutputs(outputs: readonly Output[]): Promise<void> {
  for (const output of outputs) await output.start?.();
}
