// `evt.*` and `syscall.type`: the event itself, its parameters and its result.

import type { ScapEvent } from '../event.js';
import { renderParam, errnoName, printable } from '../render.js';
import { EC, EF, PPME, PT } from '../tables/events.js';
import { PPM } from '../tables/defines.js';
import { SCAP_FD } from '../fdlist.js';
import { genericSyscallCode, syscallName } from '../syscall-code.js';
import { type FieldValue, indexArg, plain, type SyscallExtractors, withArg } from './common.js';

/** evt.type: the event name; generic syscall events are named after their syscall. */
export function eventTypeName(ev: ScapEvent): string {
  const type = ev.type;
  if (type === PPME.GENERIC_E || type === PPME.GENERIC_X) return syscallName(genericSyscallCode(ev));
  return ev.info.name;
}

function isSyscall(ev: ScapEvent): boolean {
  return (ev.info.category & EC.EC_SYSCALL) !== 0;
}

/** Whether evt.res / evt.rawres are defined: syscall exits with a result parameter (not `syscall`). */
function hasResult(ev: ScapEvent): boolean {
  return (ev.type & 1) === 1 && isSyscall(ev) && ev.type !== PPME.GENERIC_X && ev.nparams > 0 && ev.has(0);
}

function result(ev: ScapEvent): number | undefined {
  return hasResult(ev) ? ev.int(0) : undefined;
}

const CATEGORY: Record<number, string> = {
  [EC.EC_UNKNOWN]: 'unknown',
  [EC.EC_OTHER]: 'other',
  [EC.EC_FILE]: 'file',
  [EC.EC_NET]: 'net',
  [EC.EC_IPC]: 'IPC',
  [EC.EC_MEMORY]: 'memory',
  [EC.EC_PROCESS]: 'process',
  [EC.EC_SLEEP]: 'sleep',
  [EC.EC_SYSTEM]: 'system',
  [EC.EC_SIGNAL]: 'signal',
  [EC.EC_USER]: 'user',
  [EC.EC_TIME]: 'time',
  [EC.EC_PROCESSING]: 'processing',
  [EC.EC_WAIT]: 'wait',
  [EC.EC_SCHEDULER]: 'scheduler',
};

function category(ev: ScapEvent): string {
  const cat = ev.info.category & 0xff;
  if (cat === EC.EC_IO_READ || cat === EC.EC_IO_WRITE || cat === EC.EC_IO_OTHER) {
    const fd = ev.fd;
    if (fd === undefined) return 'unknown';
    switch (fd.type) {
      case SCAP_FD.FILE:
      case SCAP_FD.FILE_V2:
      case SCAP_FD.DIRECTORY:
        return 'file';
      case SCAP_FD.IPV4_SOCK:
      case SCAP_FD.IPV6_SOCK:
      case SCAP_FD.IPV4_SERVSOCK:
      case SCAP_FD.IPV6_SERVSOCK:
        return 'net';
      case SCAP_FD.FIFO:
      case SCAP_FD.UNIX_SOCK:
      case SCAP_FD.EVENT:
      case SCAP_FD.SIGNALFD:
      case SCAP_FD.INOTIFY:
      case SCAP_FD.USERFAULTFD:
        return 'ipc';
      default:
        return 'unknown';
    }
  }
  return CATEGORY[cat] ?? 'unknown';
}

/** The index of a parameter by name, -1 when the event has none. */
export function paramIndex(ev: ScapEvent, name: string): number {
  const params = ev.info.params;
  for (let i = 0; i < params.length && i < ev.nparams; i++) if (params[i]!.name === name) return i;
  return -1;
}

/** evt.arg.X / evt.arg[N]: the resolved rendering when there is one, else the plain one. */
function argString(ev: ScapEvent, i: number): string | undefined {
  if (i < 0) return undefined;
  const r = renderParam(ev, i);
  if (r === undefined) return undefined;
  return r.resolved !== '' ? r.resolved : r.plain;
}

/** evt.rawarg.X: the parameter's raw value, typed. */
function rawArg(ev: ScapEvent, i: number): FieldValue | undefined {
  if (i < 0 || !ev.has(i)) return undefined;
  const t = ev.info.params[i]!.type;
  switch (t) {
    case PT.PT_CHARBUF:
    case PT.PT_FSPATH:
    case PT.PT_FSRELPATH:
      return ev.str(i);
    case PT.PT_BYTEBUF:
    case PT.PT_SOCKADDR:
    case PT.PT_SOCKTUPLE:
    case PT.PT_FDLIST:
    case PT.PT_DYN:
      return ev.bytes(i);
    case PT.PT_INT8:
    case PT.PT_INT16:
    case PT.PT_INT32:
    case PT.PT_INT64:
    case PT.PT_ERRNO:
    case PT.PT_FD:
    case PT.PT_PID:
    case PT.PT_FD32:
    case PT.PT_PID32:
      return ev.int(i);
    case PT.PT_UINT64:
    case PT.PT_RELTIME:
    case PT.PT_ABSTIME: {
      const v = ev.u64Big(i)!;
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    case PT.PT_IPV4ADDR: {
      const b = ev.bytes(i);
      return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
    }
    case PT.PT_DOUBLE:
      return ev.bytes(i).readDoubleLE(0);
    default:
      return ev.uint(i);
  }
}

const TIME_FMT_CACHE = { sec: -1, text: '' };

/** HH:MM:SS in the local time zone (cached per second: events come in bursts). */
function hms(ts: bigint): string {
  const sec = Number(ts / 1_000_000_000n);
  if (TIME_FMT_CACHE.sec !== sec) {
    const d = new Date(sec * 1000);
    TIME_FMT_CACHE.sec = sec;
    TIME_FMT_CACHE.text = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
  }
  return TIME_FMT_CACHE.text;
}

function ymd(ts: bigint): string {
  const d = new Date(Number(ts / 1_000_000n));
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
}

function p2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function nsPart(ts: bigint): string {
  return (ts % 1_000_000_000n).toString().padStart(9, '0');
}

function isOpenLike(type: number): boolean {
  return (
    type === PPME.SYSCALL_OPEN_X ||
    type === PPME.SYSCALL_OPENAT_2_X ||
    type === PPME.SYSCALL_OPENAT2_X ||
    type === PPME.SYSCALL_OPEN_BY_HANDLE_AT_X
  );
}

function openFlags(ev: ScapEvent): number | undefined {
  const t = ev.type;
  if (!isOpenLike(t)) return undefined;
  return ev.uint(t === PPME.SYSCALL_OPENAT_2_X || t === PPME.SYSCALL_OPENAT2_X ? 3 : 2);
}

const EXEC_BITS = PPM.S_IXUSR | PPM.S_IXGRP | PPM.S_IXOTH;

export const EVT_FIELDS: SyscallExtractors = {
  'evt.num': plain((ev) => ev.num),
  'evt.time': plain((ev) => `${hms(ev.ts)}.${nsPart(ev.ts)}`),
  'evt.time.s': plain((ev) => hms(ev.ts)),
  'evt.time.iso8601': plain((ev) => `${new Date(Number(ev.ts / 1_000_000n)).toISOString().slice(0, 19)}.${nsPart(ev.ts)}Z`),
  'evt.datetime': plain((ev) => `${ymd(ev.ts)} ${hms(ev.ts)}.${nsPart(ev.ts)}`),
  'evt.datetime.s': plain((ev) => `${ymd(ev.ts)} ${hms(ev.ts)}`),
  'evt.rawtime': plain((ev) => ev.ts),
  'evt.rawtime.s': plain((ev) => ev.ts / 1_000_000_000n),
  'evt.rawtime.ns': plain((ev) => ev.ts % 1_000_000_000n),
  'evt.reltime': plain((ev) => ev.ts - (ev.state?.firstTs ?? ev.ts)),
  'evt.reltime.s': plain((ev) => (ev.ts - (ev.state?.firstTs ?? ev.ts)) / 1_000_000_000n),
  'evt.reltime.ns': plain((ev) => (ev.ts - (ev.state?.firstTs ?? ev.ts)) % 1_000_000_000n),
  'evt.deltatime': plain((ev) => ev.ts - ev.prevTs),
  'evt.deltatime.s': plain((ev) => (ev.ts - ev.prevTs) / 1_000_000_000n),
  'evt.deltatime.ns': plain((ev) => (ev.ts - ev.prevTs) % 1_000_000_000n),
  'evt.source': plain(() => 'syscall'),
  'evt.is_async': plain((ev) => ev.type === PPME.ASYNCEVENT_E),
  'evt.asynctype': plain((ev) => (ev.type === PPME.ASYNCEVENT_E ? ev.str(1) : undefined)),
  'evt.hostname': plain((ev) => ev.state?.machine?.hostname),
  'evt.type': plain(eventTypeName),
  'evt.type.is': withArg('an event type name, e.g. evt.type.is.open', (name) => (ev) =>
    eventTypeName(ev) === name ? 1 : 0,
  ),
  'syscall.type': plain((ev) => (isSyscall(ev) ? eventTypeName(ev) : undefined)),
  'evt.category': plain(category),
  'evt.cpu': plain((ev) => ev.cpu),
  'evt.dir': plain((ev) => ((ev.type & 1) === 0 ? '>' : '<')),
  'evt.args': plain(argsText),
  'evt.info': plain(argsText),
  'evt.arg': withArg('a parameter name or index, e.g. evt.arg.flags or evt.arg[0]', (arg) => {
    if (/^\d+$/.test(arg)) {
      const n = indexArg(arg);
      return (ev) => argString(ev, n < ev.nparams ? n : -1);
    }
    return (ev) => argString(ev, paramIndex(ev, arg));
  }),
  'evt.rawarg': withArg('a parameter name, e.g. evt.rawarg.res', (arg) => (ev) => rawArg(ev, paramIndex(ev, arg))),
  'evt.buffer': plain((ev) => {
    const i = paramIndex(ev, 'data');
    return i < 0 || !ev.has(i) ? undefined : ev.bytes(i);
  }),
  'evt.buflen': plain((ev) => {
    if (ev.fd === undefined || (ev.info.category & EC.EC_IO_BASE) === 0) return undefined;
    const res = result(ev);
    return res !== undefined && res >= 0 ? res : undefined;
  }),
  'evt.res': plain((ev) => {
    const res = result(ev);
    if (res === undefined) return undefined;
    if (res >= 0) return 'SUCCESS';
    return errnoName(res) || String(res);
  }),
  'evt.rawres': plain(result),
  'evt.failed': plain((ev) => {
    const res = result(ev);
    return res !== undefined && res < 0;
  }),
  'evt.is_io': plain((ev) => (ev.info.flags & (EF.EF_READS_FROM_FD | EF.EF_WRITES_TO_FD)) !== 0),
  'evt.is_io_read': plain((ev) => (ev.info.flags & EF.EF_READS_FROM_FD) !== 0),
  'evt.is_io_write': plain((ev) => (ev.info.flags & EF.EF_WRITES_TO_FD) !== 0),
  'evt.io_dir': plain((ev) =>
    ev.info.flags & EF.EF_WRITES_TO_FD ? 'write' : ev.info.flags & EF.EF_READS_FROM_FD ? 'read' : undefined,
  ),
  'evt.is_wait': plain((ev) => (ev.info.flags & EF.EF_WAITS) !== 0),
  'evt.is_syslog': plain(
    (ev) => (ev.info.flags & EF.EF_WRITES_TO_FD) !== 0 && ev.fd !== undefined && ev.fd.name.startsWith('/dev/log'),
  ),
  'evt.count': plain(() => 1),
  'evt.count.error': plain((ev) => ((result(ev) ?? 0) < 0 ? 1 : 0)),
  'evt.count.exit': plain((ev) => ((ev.type & 1) === 1 ? 1 : 0)),
  'evt.is_open_read': plain((ev) => ((openFlags(ev) ?? 0) & PPM.O_RDONLY) !== 0),
  'evt.is_open_write': plain((ev) => ((openFlags(ev) ?? 0) & PPM.O_WRONLY) !== 0),
  'evt.is_open_create': plain((ev) => {
    const flags = openFlags(ev) ?? 0;
    if (flags & PPM.O_F_CREATED) return true;
    return (flags & PPM.O_TMPFILE) !== 0 && (ev.int(0) ?? -1) >= 0;
  }),
  'evt.is_open_exec': plain((ev) => {
    const t = ev.type;
    if (t === PPME.SYSCALL_CREAT_X) return ((ev.uint(2) ?? 0) & EXEC_BITS) !== 0;
    const flags = openFlags(ev);
    if (flags === undefined || t === PPME.SYSCALL_OPEN_BY_HANDLE_AT_X) return false;
    if ((flags & (PPM.O_TMPFILE | PPM.O_CREAT)) === 0) return false;
    const mode = ev.uint(t === PPME.SYSCALL_OPEN_X ? 3 : 4) ?? 0;
    return (mode & EXEC_BITS) !== 0;
  }),
  'evt.latency': plain(() => 0),
  'evt.latency.s': plain(() => 0),
  'evt.latency.ns': plain(() => 0),
  'evt.outputtime': plain((ev) => `${hms(ev.ts)}.${nsPart(ev.ts)}`),
};

/** evt.args / evt.info: `name=value(resolved) ` for each parameter; nothing for generic events. */
function argsText(ev: ScapEvent): string {
  if (ev.type === PPME.GENERIC_E || ev.type === PPME.GENERIC_X) return '';
  let out = '';
  const params = ev.info.params;
  for (let i = 0; i < ev.nparams && i < params.length; i++) {
    const r = renderParam(ev, i)!;
    out += `${params[i]!.name}=${r.plain}${r.resolved !== '' ? `(${r.resolved})` : ''} `;
  }
  return out;
}

export { printable };
