// `fd.*`: the file descriptor an event uses, creates or destroys (FORMAT.md §17).

import type { ScapEvent } from '../event.js';
import { SCAP_FD } from '../fdlist.js';
import { renderParam } from '../render.js';
import { type FdInfo, fdL4proto, fdTypeChar, fdTypeString, ipv4Text, ipv6Text, isIpv4MappedIpv6, l4protoName, ROLE, ZERO16 } from '../state/fd.js';
import { isLocalV4, isLocalV6 } from '../state/interfaces.js';
import { concatenatePaths } from '../state/paths.js';
import { EF, PPME } from '../tables/events.js';
import { PPM } from '../tables/defines.js';
import { type FieldValue, indexArg, plain, type SyscallExtractors } from './common.js';

const FD_FLAGS = EF.EF_CREATES_FD | EF.EF_USES_FD | EF.EF_DESTROYS_FD;

function isFdEvent(ev: ScapEvent): boolean {
  return (ev.info.flags & FD_FLAGS) !== 0 && ev.thread !== undefined;
}

/** A field of the event's fd; missing when the event is not an fd event or the fd is unknown. */
function withFd(fn: (fd: FdInfo, ev: ScapEvent) => FieldValue | undefined) {
  return plain((ev) => {
    if (!isFdEvent(ev)) return undefined;
    const fd = ev.fd;
    return fd === undefined ? undefined : fn(fd, ev);
  });
}

/** The name an fd-creating exit event carries when its fd is not in the table (a failed open…). */
function creatorName(ev: ScapEvent, raw: boolean): string | undefined {
  const type = ev.type;
  if ((type & 1) === 0) return undefined;
  switch (type) {
    case PPME.SYSCALL_OPEN_X:
    case PPME.SOCKET_ACCEPT_5_X:
    case PPME.SOCKET_ACCEPT4_6_X:
    case PPME.SYSCALL_CREAT_X:
    case PPME.SOCKET_CONNECT_X: {
      const r = renderParam(ev, 1);
      if (r === undefined) return '';
      if (raw && type !== PPME.SOCKET_CONNECT_X) return r.plain;
      return r.resolved !== '' ? r.resolved : r.plain;
    }
    case PPME.SYSCALL_OPENAT_2_X:
    case PPME.SYSCALL_OPENAT2_X: {
      const name = ev.str(2) ?? '<NA>';
      if (raw) return name;
      const st = ev.state;
      const t = ev.thread;
      let sdir = '<UNKNOWN>';
      if (name.startsWith('/')) sdir = '.';
      else if (t !== undefined && st !== undefined) {
        const dirfd = ev.int(1);
        if (dirfd === PPM.AT_FDCWD) sdir = (st.mainThread(t) ?? t).cwd;
        else if (dirfd !== undefined) {
          const fd = st.getFd(t, dirfd);
          if (fd !== undefined) sdir = fd.name === '' || fd.name.endsWith('/') ? fd.name : fd.name + '/';
        }
      }
      return concatenatePaths(sdir, name);
    }
    case PPME.SYSCALL_OPEN_BY_HANDLE_AT_X:
      return ev.str(3) ?? '<NA>';
    default:
      return '';
  }
}

function dirOf(name: string): string {
  const pos = name.lastIndexOf('/');
  if (pos > 0) return pos < name.length - 1 ? name.slice(0, pos) : name;
  return '/';
}

function fileOf(name: string): string {
  const pos = name.lastIndexOf('/');
  if (pos < 0) return '/';
  return pos < name.length - 1 ? name.slice(pos + 1) : name;
}

function isFile(fd: FdInfo): boolean {
  return fd.type === SCAP_FD.FILE || fd.type === SCAP_FD.FILE_V2;
}

function fdName(ev: ScapEvent): string | undefined {
  if (!isFdEvent(ev)) return undefined;
  const fd = ev.fd;
  if (fd === undefined || (ev.type === PPME.SOCKET_CONNECT_X && (ev.int(0) ?? 0) < 0)) return creatorName(ev, false);
  return fd.name;
}

/** fd.typechar when the fd is not in the table: guessed from the syscall (its enter type). */
function typecharWithoutFd(type: number): string {
  switch (type & ~1) {
    case PPME.SYSCALL_OPENAT_E:
    case PPME.SYSCALL_OPENAT_2_E:
    case PPME.SYSCALL_OPENAT2_E:
    case PPME.SYSCALL_CREAT_E:
      return 'f';
    case PPME.SOCKET_SOCKET_E:
    case PPME.SOCKET_ACCEPT_E:
    case PPME.SOCKET_ACCEPT_5_E:
    case PPME.SOCKET_ACCEPT4_E:
    case PPME.SOCKET_ACCEPT4_5_E:
    case PPME.SOCKET_ACCEPT4_6_E:
      return '4';
    case PPME.SYSCALL_PIPE_E:
    case PPME.SYSCALL_PIPE2_E:
      return 'p';
    case PPME.SYSCALL_EVENTFD_E:
    case PPME.SYSCALL_EVENTFD2_E:
      return 'e';
    case PPME.SYSCALL_SIGNALFD_E:
    case PPME.SYSCALL_SIGNALFD4_E:
      return 's';
    case PPME.SYSCALL_TIMERFD_CREATE_E:
      return 't';
    case PPME.SYSCALL_INOTIFY_INIT_E:
    case PPME.SYSCALL_INOTIFY_INIT1_E:
      return 'i';
    default:
      return 'o';
  }
}

function ipText(fd: FdInfo, which: 's' | 'd'): string {
  if (fd.type === SCAP_FD.IPV4_SOCK || fd.type === SCAP_FD.IPV4_SERVSOCK) return ipv4Text(which === 's' ? fd.sip : fd.dip);
  return ipv6Text((which === 's' ? fd.sip6 : fd.dip6) ?? ZERO16);
}

/** Whether the client end of a connected IP socket is this machine (or the thread's container). */
function clientIsLocal(fd: FdInfo, ev: ScapEvent): boolean {
  const st = ev.state!;
  if (fd.type === SCAP_FD.IPV4_SOCK) {
    const cid = ev.thread?.containerId ?? '';
    return isLocalV4(st.interfaces, fd.sip, cid === '' ? '' : (st.containers.get(cid)?.ip ?? ''));
  }
  return isLocalV6(st.interfaces, fd.sip6);
}

const isConnectedIp = (fd: FdInfo): boolean => fd.type === SCAP_FD.IPV4_SOCK || fd.type === SCAP_FD.IPV6_SOCK;
const isServer = (fd: FdInfo): boolean => fd.type === SCAP_FD.IPV4_SERVSOCK || fd.type === SCAP_FD.IPV6_SERVSOCK;

function clientIp(fd: FdInfo): string | undefined {
  return isConnectedIp(fd) && fd.role !== ROLE.NONE ? ipText(fd, 's') : undefined;
}
function serverIp(fd: FdInfo): string | undefined {
  if (isServer(fd)) return ipText(fd, 's');
  return isConnectedIp(fd) && fd.role !== ROLE.NONE ? ipText(fd, 'd') : undefined;
}
function localIp(fd: FdInfo, ev: ScapEvent, local: boolean): string | undefined {
  if (!isConnectedIp(fd) || fd.role === ROLE.NONE) return undefined;
  return ipText(fd, clientIsLocal(fd, ev) === local ? 's' : 'd');
}
function clientPort(fd: FdInfo): number | undefined {
  return isConnectedIp(fd) && fd.role !== ROLE.NONE ? fd.sport : undefined;
}
function serverPort(fd: FdInfo): number | undefined {
  if (isServer(fd)) return fd.sport;
  return isConnectedIp(fd) && fd.role !== ROLE.NONE ? fd.dport : undefined;
}
function localPort(fd: FdInfo, ev: ScapEvent, local: boolean): number | undefined {
  if (!isConnectedIp(fd) || fd.role === ROLE.NONE) return undefined;
  return clientIsLocal(fd, ev) === local ? fd.sport : fd.dport;
}

/**
 * Both ends of a socket: fd.ip, fd.net and fd.port match when either end does. These filter-only fields
 * compare IPv4-mapped (and all-zero) IPv6 addresses as IPv4, as libsinsp's address comparison does.
 */
function bothIps(fd: FdInfo): FieldValue[] | undefined {
  if (isServer(fd)) return [filterIp(fd, 's')];
  if (isConnectedIp(fd)) return [filterIp(fd, 's'), filterIp(fd, 'd')];
  return undefined;
}

function filterIp(fd: FdInfo, which: 's' | 'd'): string {
  if (fd.type === SCAP_FD.IPV6_SOCK || fd.type === SCAP_FD.IPV6_SERVSOCK) {
    const a = (which === 's' ? fd.sip6 : fd.dip6) ?? ZERO16;
    if (isIpv4MappedIpv6(a)) return `${a[12]}.${a[13]}.${a[14]}.${a[15]}`;
  }
  return ipText(fd, which);
}
function bothPorts(fd: FdInfo): FieldValue[] | undefined {
  if (isServer(fd)) return [fd.sport];
  if (isConnectedIp(fd)) return [fd.sport, fd.dport];
  return undefined;
}

function removeDuplicateSlashes(s: string): string {
  return s.replace(/\/{2,}/g, '/');
}

export const FD_FIELDS: SyscallExtractors = {
  'fd.num': plain((ev) => (isFdEvent(ev) ? ev.fdNum : undefined)),
  'fd.type': withFd((fd) => fdTypeString(fd.type) ?? '<NA>'),
  'fd.typechar': plain((ev) => {
    if (!isFdEvent(ev)) return undefined;
    if (ev.fd !== undefined) return fdTypeChar(ev.fd.type);
    return typecharWithoutFd(ev.type);
  }),
  'fd.name': plain(fdName),
  'fd.containername': plain((ev) => {
    const name = fdName(ev);
    return name === undefined ? undefined : `${ev.thread!.containerId}:${name}`;
  }),
  'fd.directory': plain((ev) => fdDirectory(ev)),
  'fd.containerdirectory': plain((ev) => {
    const d = fdDirectory(ev);
    return d === undefined ? undefined : `${ev.thread!.containerId}:${d}`;
  }),
  'fd.filename': withFd((fd) => (isFile(fd) ? fileOf(fd.name) : undefined)),
  'fd.ip': withFd(bothIps),
  'fd.cip': withFd(clientIp),
  'fd.sip': withFd(serverIp),
  'fd.lip': withFd((fd, ev) => localIp(fd, ev, true)),
  'fd.rip': withFd((fd, ev) => localIp(fd, ev, false)),
  'fd.port': withFd(bothPorts),
  'fd.cport': withFd(clientPort),
  'fd.sport': withFd(serverPort),
  'fd.lport': withFd((fd, ev) => localPort(fd, ev, true)),
  'fd.rport': withFd((fd, ev) => localPort(fd, ev, false)),
  'fd.proto': withFd(bothPorts),
  'fd.cproto': withFd((fd) => clientPort(fd)?.toString()),
  'fd.sproto': withFd((fd) => (isConnectedIp(fd) ? serverPort(fd)?.toString() : undefined)),
  'fd.lproto': withFd((fd, ev) => localPort(fd, ev, true)?.toString()),
  'fd.rproto': withFd((fd, ev) => localPort(fd, ev, false)?.toString()),
  'fd.net': withFd(bothIps),
  'fd.cnet': withFd(clientIp),
  'fd.snet': withFd(serverIp),
  'fd.lnet': withFd((fd, ev) => localIp(fd, ev, true)),
  'fd.rnet': withFd((fd, ev) => localIp(fd, ev, false)),
  'fd.l4proto': withFd((fd) => l4protoName(fdL4proto(fd)) ?? '<NA>'),
  'fd.sockfamily': withFd((fd) =>
    isConnectedIp(fd) || isServer(fd) ? 'ip' : fd.type === SCAP_FD.UNIX_SOCK ? 'unix' : undefined,
  ),
  'fd.is_server': withFd((fd, ev) => {
    if (isServer(fd)) return true;
    if (fd.type === SCAP_FD.IPV4_SOCK) {
      const cid = ev.thread?.containerId ?? '';
      return isLocalV4(ev.state!.interfaces, fd.dip, cid === '' ? '' : (ev.state!.containers.get(cid)?.ip ?? ''));
    }
    if (fd.type === SCAP_FD.IPV6_SOCK) return isLocalV6(ev.state!.interfaces, fd.dip6);
    return false;
  }),
  'fd.uid': plain((ev) => (ev.thread === undefined || !isFdEvent(ev) ? undefined : `${ev.tid}${ev.fdNum ?? -1}`)),
  'fd.connected': withFd((fd) => fd.connected),
  'fd.name_changed': withFd((_fd, ev) => ev.fdNameChanged),
  'fd.cip.name': withFd(() => undefined),
  'fd.sip.name': withFd(() => undefined),
  'fd.lip.name': withFd(() => undefined),
  'fd.rip.name': withFd(() => undefined),
  'fd.dev': withFd((fd) => fd.dev),
  'fd.dev.major': withFd((fd) => (fd.dev & 0xfff00) >>> 8),
  'fd.dev.minor': withFd((fd) => (fd.dev & 0xff) | ((fd.dev >>> 12) & 0xfff00)),
  'fd.ino': withFd((fd) => fd.ino),
  'fd.nameraw': plain((ev) => {
    if (!isFdEvent(ev)) return undefined;
    if (ev.fd === undefined) {
      const n = creatorName(ev, true);
      return n === undefined ? undefined : removeDuplicateSlashes(n);
    }
    return removeDuplicateSlashes(ev.fd.nameRaw);
  }),
  'fd.types': (arg) => {
    if (arg === undefined) {
      return (ev) => {
        if (!isFdEvent(ev)) return undefined;
        const seen = new Set<string>();
        for (const fd of ev.state!.fdTable(ev.thread!).values()) seen.add(fdTypeString(fd.type) ?? '<NA>');
        return seen.size > 0 ? [...seen] : undefined;
      };
    }
    const n = indexArg(arg);
    return (ev) => {
      if (!isFdEvent(ev)) return undefined;
      const fd = ev.state!.getFd(ev.thread!, n);
      return fd === undefined ? undefined : [fdTypeString(fd.type) ?? '<NA>'];
    };
  },
  'fd.is_upper_layer': withFd((fd) => (fd.openFlags & PPM.FD_UPPER_LAYER) !== 0),
  'fd.is_lower_layer': withFd((fd) => (fd.openFlags & PPM.FD_LOWER_LAYER) !== 0),
};

function fdDirectory(ev: ScapEvent): string | undefined {
  if (!isFdEvent(ev)) return undefined;
  const fd = ev.fd;
  if (fd === undefined) {
    const name = creatorName(ev, false);
    return name === undefined ? undefined : dirOf(name);
  }
  if (fd.type === SCAP_FD.DIRECTORY) return fd.name;
  return isFile(fd) ? dirOf(fd.name) : undefined;
}
