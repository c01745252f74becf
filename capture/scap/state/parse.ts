// Event by event, what libsinsp's parser does before filters run: find the event's thread (creating a
// placeholder when needed), pair exit events with their enter event, find the event's fd, and let the
// per-syscall parsers change the state. Removals (a closed fd, an exited thread) wait for the next event so
// the close/procexit event itself still sees what it removes.

import type { ScapEvent } from '../event.js';
import { detach } from '../converter.js';
import { EF, EVENT_TABLE, PPME } from '../tables/events.js';
import { parseContainerJson } from './containers.js';
import { parseFileEvent } from './files.js';
import { parseProcessEvent } from './process.js';
import { parseSocketEvent } from './sockets.js';
import type { CaptureState } from './state.js';

const FD_FLAGS = EF.EF_CREATES_FD | EF.EF_USES_FD | EF.EF_DESTROYS_FD;

/** Enter events sinsp keeps per thread for the exit event that follows. */
function isStoredEnter(type: number): boolean {
  return (
    type === PPME.SYSCALL_OPEN_E ||
    type === PPME.SYSCALL_CREAT_E ||
    type === PPME.SYSCALL_OPENAT_2_E ||
    type === PPME.SYSCALL_OPENAT2_E ||
    type === PPME.SYSCALL_EXECVE_19_E ||
    type === PPME.SYSCALL_EXECVEAT_E ||
    type === PPME.SOCKET_CONNECT_E
  );
}

export class EventParser {
  private pendingThreadRemoval = -1;
  private pendingFdThread: number = -1;
  private pendingFd = -1;

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
    this.applyPending();
    const st = this.state;
    ev.state = st;
    const type = ev.type;
    const info = EVENT_TABLE[type]!;
    const flags = info.flags;

    if (flags & EF.EF_SKIPPARSERESET) {
      if (type === PPME.PROCINFO_E) ev.thread = st.threads.get(ev.tid);
      return;
    }
    switch (type) {
      case PPME.CONTAINER_JSON_2_E:
        this.containerEvent(ev);
        return;
      case PPME.USER_ADDED_E:
      case PPME.USER_DELETED_E:
        userEvent(st, ev);
        return;
      case PPME.GROUP_ADDED_E:
      case PPME.GROUP_DELETED_E:
        groupEvent(st, ev);
        return;
      case PPME.PLUGINEVENT_E:
      case PPME.ASYNCEVENT_E:
        return;
    }

    const tid = ev.tid;
    const noPlaceholder =
      type === PPME.SYSCALL_CLONE_20_X ||
      type === PPME.SYSCALL_FORK_20_X ||
      type === PPME.SYSCALL_VFORK_20_X ||
      type === PPME.SYSCALL_CLONE3_X ||
      type === PPME.SCHEDSWITCH_6_E ||
      type === PPME.PROCEXIT_1_E;
    let t = st.threads.get(tid);
    if (t === undefined && !noPlaceholder) t = st.createPlaceholder(tid);
    ev.thread = t;

    if (t !== undefined && type !== PPME.SCHEDSWITCH_6_E) {
      const enter = (type & 1) === 0;
      if (enter) {
        t.lastEventFd = -1;
        t.lastEventType = type;
        if (flags & EF.EF_USES_FD && info.fdParam >= 0) {
          t.lastEventFd = ev.int(info.fdParam) ?? -1;
          ev.fd = st.getFd(t, t.lastEventFd);
        }
        if (isStoredEnter(type) && (ev.has(0) || type === PPME.SYSCALL_EXECVEAT_E || type === PPME.SOCKET_CONNECT_E)) {
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
    if (!parseProcessEvent(this, ev)) {
      if (!parseFileEvent(this, ev)) parseSocketEvent(this, ev);
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
    const info = parseContainerJson(text);
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
