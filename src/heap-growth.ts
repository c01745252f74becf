// How far V8 lets saker's heap grow between full garbage collections. With a large heap limit (Node's default
// on a machine with 8 GB or more) V8 lets the old generation grow to about four times what survived the last
// full collection; under load the alerts waiting in the queue survive the young generation, so saker's RSS
// peaked at several times its live heap (200-290 MB with 100-alert arrays). At twice the live heap it stayed
// under 200 MB for no measurable processor time (1.5 times cost 7-14 % more per alert; README, "Benchmarks").
//
// The flag is read at every collection, so `saker run` can set it at start-up; an operator who wants another
// value starts Node with it (`node --heap-growing-percent=300 dist/src/cli.js run`), and that one wins.

import v8 from 'node:v8';

/** Growth allowed past the live heap, in percent: the old generation may grow to twice it. */
export const HEAP_GROWING_PERCENT = 100;

const FLAG = '--heap-growing-percent';

/** The V8 flag to set, or undefined when Node was started with its own. */
export function heapGrowthFlag(execArgv: readonly string[]): string | undefined {
  const given = execArgv.some((arg) => arg === FLAG || arg.startsWith(`${FLAG}=`) || arg === '--heap_growing_percent' || arg.startsWith('--heap_growing_percent='));
  return given ? undefined : `${FLAG}=${HEAP_GROWING_PERCENT}`;
}

export function limitHeapGrowth(): void {
  const flag = heapGrowthFlag(process.execArgv);
  if (flag) v8.setFlagsFromString(flag);
}
