// Which events the reader's consumer wants (ScapReaderOptions.wants), by event type — and, for generic
// events, by the syscall they stand for, as evt.type names them. Asked once per type (or syscall) and
// remembered: the reader asks for every event.

import type { ScapEvent } from './event.js';
import { EVENT_TABLE, PPME, PPM_EVENT_MAX } from './tables/events.js';
import { PPM_SC_NAMES } from './tables/names.js';
import { genericSyscallCode, syscallName } from './syscall-code.js';

const UNKNOWN = 0;
const WANTED = 1;
const UNWANTED = 2;
/** byType of the generic types: the answer depends on the event's syscall (bySyscall). */
const BY_SYSCALL = 3;

export class WantedEvents {
  /** Per event type: UNKNOWN until asked, then WANTED or UNWANTED (BY_SYSCALL for the generic types). */
  private readonly byType = new Uint8Array(PPM_EVENT_MAX);
  /** The same per PPM_SC code for generic events; the last slot for codes past the name table (`unknown`). */
  private readonly bySyscall = new Uint8Array(PPM_SC_NAMES.length + 1);

  constructor(private readonly wants: (typeName: string) => boolean) {
    this.byType[PPME.GENERIC_E] = BY_SYSCALL;
    this.byType[PPME.GENERIC_X] = BY_SYSCALL;
  }

  /** Whether the consumer wants events of this type (not asked for generic events: see `event`). */
  type(type: number): boolean {
    let w = this.byType[type]!;
    if (w === UNKNOWN || w === BY_SYSCALL) {
      w = this.wants(EVENT_TABLE[type]!.name) ? WANTED : UNWANTED;
      if (this.byType[type] === UNKNOWN) this.byType[type] = w;
    }
    return w === WANTED;
  }

  /**
   * Whether the consumer wants this event (its type's name, or its syscall's for a generic event). Asked
   * for every event: the known answer is one typed-array read here, small enough to be inlined.
   */
  event(ev: ScapEvent): boolean {
    const w = this.byType[ev.type]!;
    if (w === UNWANTED) return false;
    if (w === WANTED) return true;
    return w === BY_SYSCALL ? this.syscall(ev) : this.type(ev.type);
  }

  private syscall(ev: ScapEvent): boolean {
    const sc = genericSyscallCode(ev);
    const slot = sc < PPM_SC_NAMES.length ? sc : PPM_SC_NAMES.length;
    let w = this.bySyscall[slot]!;
    if (w === UNKNOWN) {
      w = this.wants(syscallName(sc)) ? WANTED : UNWANTED;
      this.bySyscall[slot] = w;
    }
    return w === WANTED;
  }
}
