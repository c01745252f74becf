// Event by event, what libsinsp's parser does before filters run: find the event's thread (creating a
// placeholder when needed), pair exit events with their enter event, find the event's fd, and let the
// per-syscall parsers change the state. Removals (a closed fd, an exited thread) wait for the next event so
// the close/procexit event itself still sees what it removes.

import type { ScapEvent } from '../event.js';
import { detach } from '../converter.js';
import { EF, EVENT_TABLE, PPME, PPM_EVENT_MAX } from '../tables/events.js';
import { containerOfText } from './containers.js';
import { parseFileEvent } from './files.js';
import { parseProcessEvent, parseSwitch } from './process.js';
import { parseSocketEvent } from './sockets.js';
import type { CaptureState } from './state.js';

const FD_FLAGS = EF.EF_CREATES_FD | EF.EF_USES_FD | EF.EF_DESTROYS_FD;

// What parse() does with each event type, looked up once per event instead of comparing the type with
// lists of types (bits of TRAITS).
/** Metadata-like events with a parser of their own (containers, users, groups) or none (plugins, async). */
const OWN_PARSER = 1;
/** Events that never create a placeholder thread (the thread they name may not exist yet, or any more). */
const NO_PLACEHOLDER = 2;
/** Enter events sinsp keeps per thread for the exit event that follows. */
const STORED_ENTER = 4;
const TRAITS = new Uint8Array(PPM_EVENT_MAX);
for (const t of [
  PPME.CONTAINER_JSON_2_E,
  PPME.USER_ADDED_E,
  PPME.USER_DELETED_E,
  PPME.GROUP_ADDED_E,
  PPME.GROUP_DELETED_E,
  PPME.PLUGINEVENT_E,
  PPME.ASYNCEVENT_E,
]) {
  TRAITS[t]! |= OWN_PARSER;
}
for (const t of [
  PPME.SYSCALL_CLONE_20_X,
  PPME.SYSCALL_FORK_20_X,
  PPME.SYSCALL_VFORK_20_X,
  PPME.SYSCALL_CLONE3_X,
  PPME.PROCEXIT_1_E,
]) {
  TRAITS[t]! |= NO_PLACEHOLDER;
}
for (const t of [
  PPME.SYSCALL_OPEN_E,
  PPME.SYSCALL_CREAT_E,
  PPME.SYSCALL_OPENAT_2_E,
  PPME.SYSCALL_OPENAT2_E,
  PPME.SYSCALL_EXECVE_19_E,
  PPME.SYSCALL_EXECVEAT_E,
  PPME.SOCKET_CONNECT_E,
]) {
  TRAITS[t]! |= STORED_ENTER;
}

/**
 * Which of the per-syscall parsers handles a type (process, file, socket: each says whether it did), learnt
 * from the first event of the type and kept, so that later events go straight to it (or to none). Whether a
 * parser handles an event depends on its type alone.
 */
const PROCESS = 1;
const FILE = 2;
const SOCKET = 3;
const NONE = 4;

export class EventParser {
  private pendingThreadRemoval = -1;
  private pendingFdThread: number = -1;
  private pendingFd = -1;
  /** Per event type: which parser handles it (see above); 0 until the first event of the type. */
  private readonly handler = new Uint8Array(PPM_EVENT_MAX);

  constructor(readonly state: CaptureState) {}

  /** Called by parsers: remove this thread once the current event has been seen. */
  removeThreadLater(tid: number): void {
    this.pendingThreadRemoval = tid;
  }

  /** Called by parsers: remove this fd once the current event has been seen. */
  removeFdLater(tid: number, fd: number): void {
    this.pendingFdThread = tid;
    this.pendingFd = fd;
  }

  reset(): void {
    this.pendingThreadRemoval = -1;
    this.pendingFdThread = -1;
    this.pendingFd = -1;
  }

  private applyPending(): void {
    const st = this.state;
    if (this.pendingFdThread !== -1) {
      const t = st.threads.get(this.pendingFdThread);
      if (t !== undefined) st.fdTable(t).delete(this.pendingFd);
      this.pendingFdThread = -1;
    }
    if (this.pendingThreadRemoval !== -1) {
      st.removeThread(this.pendingThreadRemoval);
      this.pendingThreadRemoval = -1;
    }
  }

  parse(ev: ScapEvent): void {
    if (this.pendingFdThread !== -1 || this.pendingThreadRemoval !== -1) this.applyPending();
    const st = this.state;
    ev.state = st;
    const type = ev.type;
    if (type === PPME.SCHEDSWITCH_6_E) {
      // A quarter of the events: only the thread's figures change (no placeholder, no fd, no enter to pair).
      const t = st.thread(ev.tid);
      ev.thread = t;
      if (t !== undefined) parseSwitch(this, ev, t);
      return;
    }
    const info = EVENT_TABLE[type]!;
    const flags = info.flags;

    if (flags & EF.EF_SKIPPARSERESET) {
      if (type === PPME.PROCINFO_E) ev.thread = st.thread(ev.tid);
      return;
    }
    const traits = TRAITS[type]!;
    if (traits & OWN_PARSER) {
      this.ownParser(ev);
      return;
    }

    const tid = ev.tid;
    let t = st.thread(tid);
    if (t === undefined && (traits & NO_PLACEHOLDER) === 0) t = st.createPlaceholder(tid);
    ev.thread = t;

    if (t !== undefined) {
      const enter = (type & 1) === 0;
      if (enter) {
        t.lastEventFd = -1;
        t.lastEventType = type;
        if (flags & EF.EF_USES_FD && info.fdParam >= 0) {
          t.lastEventFd = ev.int(info.fdParam) ?? -1;
          ev.fd = st.getFd(t, t.lastEventFd);
        }
        if ((traits & STORED_ENTER) !== 0 && (ev.has(0) || type === PPME.SYSCALL_EXECVEAT_E || type === PPME.SOCKET_CONNECT_E)) {
          t.lastEnter = detach(ev);
        }
      } else {
        if (
          type === t.lastEventType + 1 ||
          (type === PPME.SYSCALL_EXECVE_19_X && t.lastEventType === PPME.SYSCALL_EXECVEAT_E)
        ) {
          t.lastEnterValid = true;
        } else {
          t.lastEnterValid = false;
          t.lastEventFd = -1;
        }
        if (flags & EF.EF_USES_FD) {
          if (t.lastEventFd === -1 && info.fdParam >= 0 && ev.has(info.fdParam)) {
            t.lastEventFd = ev.int(info.fdParam)!;
          }
          ev.fd = st.getFd(t, t.lastEventFd);
        }
      }
    }

    const nameBefore = ev.fd?.name;
    switch (this.handler[type]) {
      case PROCESS:
        parseProcessEvent(this, ev);
        break;
      case FILE:
        parseFileEvent(this, ev);
        break;
      case SOCKET:
        parseSocketEvent(this, ev);
        break;
      case NONE:
        break;
      default: // the first event of its type
        this.handler[type] = parseProcessEvent(this, ev)
          ? PROCESS
          : parseFileEvent(this, ev)
            ? FILE
            : parseSocketEvent(this, ev)
              ? SOCKET
              : NONE;
    }

    const th = ev.thread;
    if (th !== undefined) {
      if (flags & FD_FLAGS) {
        ev.fdNum = th.lastEventFd;
        if (ev.fd === undefined && th.lastEventFd !== -1) ev.fd = st.getFd(th, th.lastEventFd);
        ev.fdNameChanged = ev.fd !== undefined && nameBefore !== undefined && ev.fd.name !== nameBefore;
      }
      // An exit event consumes the stored enter event (sinsp event_cleanup).
      if ((type & 1) === 1 && th.lastEnter !== null) {
        th.lastEnter = null;
        th.lastEnterValid = false;
      }
    }
  }

  /** Events with a parser of their own (OWN_PARSER). */
  private ownParser(ev: ScapEvent): void {
    switch (ev.type) {
      case PPME.CONTAINER_JSON_2_E:
        this.containerEvent(ev);
        return;
      case PPME.USER_ADDED_E:
      case PPME.USER_DELETED_E:
        userEvent(this.state, ev);
        return;
      case PPME.GROUP_ADDED_E:
      case PPME.GROUP_DELETED_E:
        groupEvent(this.state, ev);
        return;
      default:
        // PLUGINEVENT_E, ASYNCEVENT_E: nothing to take in.
        return;
    }
  }

  /** The stored enter event when it pairs with this exit event. */
  enterFor(ev: ScapEvent): ScapEvent | null {
    const t = ev.thread;
    if (t === undefined || !t.lastEnterValid || t.lastEnter === null) return null;
    const e = t.lastEnter;
    if (ev.type === PPME.SYSCALL_EXECVE_19_X && e.type === PPME.SYSCALL_EXECVEAT_E) return e;
    if (e.type !== ev.type - 1) {
      t.lastEnterValid = false;
      return null;
    }
    return e;
  }

  private containerEvent(ev: ScapEvent): void {
    const text = ev.str(0);
    if (text === undefined) return;
    const info = containerOfText(text);
    if (info !== undefined) this.state.containers.set(info.id, info);
  }
}

function userEvent(st: CaptureState, ev: ScapEvent): void {
  const uid = ev.uint(0) ?? 0;
  const container = ev.str(5) ?? '';
  if (ev.type === PPME.USER_ADDED_E) {
    st.addUser(container, {
      uid,
      gid: ev.uint(1) ?? 0,
      name: ev.str(2) ?? '',
      homedir: ev.str(3) ?? '',
      shell: ev.str(4) ?? '',
    });
  } else {
    st.removeUser(container, uid);
  }
}

function groupEvent(st: CaptureState, ev: ScapEvent): void {
  const gid = ev.uint(0) ?? 0;
  const container = ev.str(2) ?? '';
  if (ev.type === PPME.GROUP_ADDED_E) st.addGroup(container, { gid, name: ev.str(1) ?? '' });
  else st.removeGroup(container, gid);
}
