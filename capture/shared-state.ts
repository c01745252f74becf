// Per-process event state that every evaluation thread must see the same: the `evt.num` counter and the
// time of each source's first event (`evt.reltime`). By default it lives in this thread's memory, as it
// always did; `saker run` shares it (shareCaptureState) before starting the evaluation threads of
// POST /k8s-audit, which adopt the same memory (adoptCaptureState), so that event numbers stay unique and
// dense, and relative times count from one first event, whichever thread takes an event.

/** Slot 0: the last event number given out. Then one slot per source: its first event's time (ns). */
const SOURCES = ['k8s_audit', 'json'] as const;
const SLOTS = 1 + SOURCES.length;
/** A first time not yet set (no real event is from 292 billion years ago). */
const UNSET = -(2n ** 63n);

let local = 0;
let shared: BigInt64Array | undefined;

/** The shared memory (made on first call); hand it to a thread's adoptCaptureState. */
export function shareCaptureState(): SharedArrayBuffer {
  if (shared === undefined) {
    const memory = new BigInt64Array(new SharedArrayBuffer(8 * SLOTS));
    // Numbering goes on from where this thread's own count was.
    memory[0] = BigInt(local);
    for (let i = 1; i < SLOTS; i++) memory[i] = UNSET;
    shared = memory;
  }
  return shared.buffer as SharedArrayBuffer;
}

/** In a thread: use the main thread's state from now on. */
export function adoptCaptureState(memory: SharedArrayBuffer): void {
  shared = new BigInt64Array(memory);
}

/** The next `evt.num` (from 1). */
export function nextEventNumber(): number {
  return shared === undefined ? ++local : Number(Atomics.add(shared, 0, 1n)) + 1;
}

/** `count` consecutive event numbers at once; returns the first (nothing is taken for 0). */
export function reserveEventNumbers(count: number): number {
  if (shared === undefined) {
    const first = local + 1;
    local += count;
    return first;
  }
  return Number(Atomics.add(shared, 0, BigInt(count))) + 1;
}

/**
 * The time `evt.reltime` counts from for `source`, given the time of an event of it: in shared state the
 * first such time any thread saw, otherwise `time` itself (the caller remembers it, per engine).
 */
export function firstEventTime(source: string, time: bigint): bigint {
  const slot = SOURCES.indexOf(source as (typeof SOURCES)[number]) + 1;
  if (shared === undefined || slot === 0) return time;
  const before = Atomics.compareExchange(shared, slot, UNSET, time);
  return before === UNSET ? time : before;
}
