// An event whose type is past saker's table is skipped, as libscap skips it: a newer producer wrote a type
// this version does not know. But a damaged header looks the same (16 bytes of 0xFF make the type 65535),
// and skipping it would hide the damage. What a newer producer writes is still a well-formed event, so an
// unknown type is believed only when the event holds together; otherwise the capture is corrupt.

import { readU16, readU32 } from './event.js';
import { PPM_EVENT_MAX } from './tables/events.js';

/**
 * libscap adds a few event types a year (PPM_EVENT_MAX is 454 at this table's commit, after a decade);
 * a type this far past the table is damage, not a producer from the future.
 */
export const PLAUSIBLE_NEW_TYPES = 1024;

/**
 * Why the event at `start` (its header read: `len`, `type` ≥ PPM_EVENT_MAX) cannot be an event of a newer
 * producer, or undefined when it can. `bodyEnd` ends the block's body (before its trailer).
 */
export function unknownEventProblem(buf: Buffer, start: number, bodyEnd: number, v2: boolean, len: number, type: number): string | undefined {
  if (type >= PPM_EVENT_MAX + PLAUSIBLE_NEW_TYPES) {
    return `event type ${type} is far past the ${PPM_EVENT_MAX} types saker knows: not a newer producer's event`;
  }
  // v1 headers (no parameter count) predate every type past the table: only v2 blocks can carry new types.
  if (!v2) return `event type ${type} is unknown, and an old (v1) event block cannot hold a newer producer's event`;
  if (len < 26 || start + len > bodyEnd) return `event of unknown type ${type}: its length ${len} does not fit its block`;
  const nparams = readU32(buf, start + 22);
  // The parameter lengths are 2 bytes each, or 4 for large-payload types; either way they add up exactly.
  for (const lenSize of [2, 4]) {
    if (26 + nparams * lenSize > len) continue;
    let sum = 0;
    for (let i = 0; i < nparams; i++) sum += lenSize === 2 ? readU16(buf, start + 26 + 2 * i) : readU32(buf, start + 26 + 4 * i);
    if (26 + nparams * lenSize + sum === len) return undefined;
  }
  return `event of unknown type ${type}: its ${nparams} parameter lengths do not add up to its length ${len}`;
}
