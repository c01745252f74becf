// The syscall a generic event (GENERIC_E/X: syscalls without an event type of their own) stands for: what
// evt.type names it after, and what the reader asks the consumer about when it decides to hand it over.

import type { ScapEvent } from './event.js';
import { PPME } from './tables/events.js';
import { PPM_SC_NAMES, X86_64_NATIVE_TO_PPM_SC } from './tables/names.js';

/** The event's PPM_SC code: parameter 0, or (enter events written with 0 there) its native x86-64 number's. */
export function genericSyscallCode(ev: ScapEvent): number {
  let sc = ev.uint(0) ?? 0;
  if (sc === 0 && ev.type === PPME.GENERIC_E && ev.has(1)) sc = X86_64_NATIVE_TO_PPM_SC[ev.uint(1)!] ?? 0;
  return sc;
}

/** The syscall's name for a PPM_SC code (`unknown` past the table). */
export function syscallName(sc: number): string {
  return PPM_SC_NAMES[sc] ?? 'unknown';
}
