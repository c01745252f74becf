// The disagreements with sysdig 0.29 that are expected: current libsinsp (which saker follows) changed the
// behaviour since sysdig's libs, or sysdig cannot read something (FORMAT.md §19–20). Each explainer
// recognises one cause on a single field of a single event; anything no explainer claims is a real
// disagreement.

import type { ScapEvent } from '../../capture/scap/event.js';
import { PPME } from '../../capture/scap/tables/events.js';

export interface Difference {
  id: string;
  /** Why current Falco differs from sysdig 0.29 (or what sysdig cannot do). */
  reason: string;
}

export const DIFFERENCES = {
  converter: {
    id: 'converter',
    reason:
      'current libscap converts old layouts and folds enter events into exits: sysdig 0.29 prints enter events Falco never sees',
  },
  meta: {
    id: 'meta-events',
    reason: 'sysdig 0.29 does not print procinfo/container/user/group meta events, or event types newer than its libs',
  },
  userName: {
    id: 'user.name-unknown',
    reason: 'uid missing from the capture user table: sysdig 0.29 gives NULL, current libsinsp `<NA>`',
  },
  openTypechar: {
    id: 'open-typechar',
    reason: 'fd.typechar of a plain open without fd (enter, or failed): current libsinsp `o`, sysdig 0.29 `f`',
  },
  mmapFd: {
    id: 'mmap-fd',
    reason: 'mmap/mmap2 exits now carry an fd (current event table): fd.* fields are defined, sysdig 0.29 NULL',
  },
  threadParent: {
    id: 'thread-parent',
    reason: "proc.pname of a thread is its process's parent in current libsinsp; sysdig 0.29 used the creating thread",
  },
  udpInference: {
    id: 'send-infers-udp',
    reason: 'send*/sendmsg on an fd never seen created makes current libsinsp add a UDP socket; sysdig 0.29 had none',
  },
  fdlNewline: {
    id: 'fdl-name-verbatim',
    reason: 'fd-list names are used verbatim (trailing newline of /var/run/docker.sock) by current libscap',
  },
  containerThread: {
    id: 'container-event-thread',
    reason: 'container events carry no thread in current libsinsp (the container plugin owns them)',
  },
  plTail: {
    id: 'proclist-v9-tail',
    reason: 'sysdig 0.29 misreads the newer PL_V9 tail (tty, loginuid); saker reads it as current libscap',
  },
  emptyArg: {
    id: 'trailing-empty-arg',
    reason: 'a trailing empty argument no longer adds a space to proc.cmdline (current set_args)',
  },
  connectDest: {
    id: 'connect-destination',
    reason:
      'connect exits take the destination from the kernel tuple (current libsinsp overwrites it; sysdig 0.29 kept the first one)',
  },
  syscallRename: {
    id: 'ppm_sc-rename',
    reason:
      'syscall names of current libs: ppm_sc 298 is `rt_sigreturn` (sysdig 0.29: `sigreturn`), ppm_sc 0 `unknown` (`<unknown>`)',
  },
  shbOptions: {
    id: 'shb-options',
    reason: 'sysdig 0.29 cannot read section headers with pcapng options (saker skips them as libscap does)',
  },
} as const satisfies Record<string, Difference>;

export interface FieldContext {
  field: string;
  ours: unknown;
  theirs: unknown;
  ev: ScapEvent;
  /** The process-list layout the capture was written with. */
  processListVersion: number;
}

const MMAP = new Set<number>([PPME.SYSCALL_MMAP_X, PPME.SYSCALL_MMAP2_X, PPME.SYSCALL_MMAP_E, PPME.SYSCALL_MMAP2_E]);
const SENDS = new Set<number>([PPME.SOCKET_SENDTO_X, PPME.SOCKET_SENDMSG_X, PPME.SOCKET_SEND_X]);

/** Explains field disagreements of one capture (some causes carry over to later events of the same fd). */
export class Explainer {
  /** fd names a connect renamed in saker but not in sysdig: later events on that fd differ the same way. */
  private readonly connectRenames = new Map<string, string>();

  explain(c: FieldContext): Difference | undefined {
    const { field, ours, theirs, ev } = c;
    if (field === 'fd.name' && typeof ours === 'string' && typeof theirs === 'string') {
      if (ev.type === PPME.SOCKET_CONNECT_X && ours.split('->')[0] === theirs.split('->')[0]) {
        this.connectRenames.set(ours, theirs);
        return DIFFERENCES.connectDest;
      }
      if (this.connectRenames.get(ours) === theirs) return DIFFERENCES.connectDest;
    }
    return explainField(c);
  }
}

/** The known cause of a field disagreement, or undefined when it is unexplained. */
function explainField(c: FieldContext): Difference | undefined {
  const { field, ours, theirs, ev } = c;
  if (ev.type === PPME.CONTAINER_JSON_2_E && ours === null) return DIFFERENCES.containerThread;
  if ((field === 'user.name' || field === 'user.loginname') && theirs === null && ours === '<NA>') {
    return DIFFERENCES.userName;
  }
  if (field.startsWith('fd.') && MMAP.has(ev.type) && theirs === null) return DIFFERENCES.mmapFd;
  if (field === 'fd.typechar' && (ev.type & ~1) === PPME.SYSCALL_OPEN_E && ours === 'o' && theirs === 'f') {
    return DIFFERENCES.openTypechar;
  }
  if (field.startsWith('fd.') && SENDS.has(ev.type) && ev.fd?.isUdpSocket() === true) {
    return DIFFERENCES.udpInference;
  }
  if (field === 'fd.name' && typeof ours === 'string' && ours.endsWith('\n') && ours.slice(0, -1) === theirs) {
    return DIFFERENCES.fdlNewline;
  }
  // sysdig 0.29 made a thread's parent the thread that created it, i.e. a thread of its own process.
  if (field === 'proc.pname' && ev.thread !== undefined && !ev.thread.isMain()) {
    const main = ev.state?.mainThread(ev.thread);
    if (theirs === ev.thread.comm || theirs === main?.comm) return DIFFERENCES.threadParent;
  }
  if (field === 'proc.tty' && theirs === 0 && c.processListVersion === 9) return DIFFERENCES.plTail;
  if (field === 'user.loginuid' && c.processListVersion === 9) return DIFFERENCES.plTail;
  if (
    (field === 'proc.cmdline' || field === 'proc.pcmdline') &&
    typeof theirs === 'string' &&
    theirs === `${String(ours)} `
  ) {
    return DIFFERENCES.emptyArg;
  }
  if (field === 'evt.type' && ours === 'rt_sigreturn' && theirs === 'sigreturn') return DIFFERENCES.syscallRename;
  if (field === 'evt.type' && ours === 'unknown' && theirs === '<unknown>') return DIFFERENCES.syscallRename;
  return undefined;
}
