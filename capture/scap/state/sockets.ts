// Sockets from network syscalls: socket, bind, connect, accept, socketpair, and the tuples that reads and
// writes on sockets carry (FORMAT.md §16.3–16.6).

import type { ScapEvent } from '../event.js';
import { SCAP_FD } from '../fdlist.js';
import { PPM } from '../tables/defines.js';
import { PPME } from '../tables/events.js';
import { FdInfo, L4, ROLE, ipv4FromBytes, isIpv4MappedIpv6, socketName } from './fd.js';
import { completeFromInterfaces } from './interfaces.js';
import { cstr, setV4, setV6, sockaddrText, socktupleText, swapEnds } from './socket-addresses.js';
import type { EventParser } from './parse.js';
import type { ThreadInfo } from './thread.js';

const AF_UNIX = PPM.AF_UNIX;
const AF_INET = PPM.AF_INET;
const AF_INET6 = PPM.AF_INET6;
const AF_NETLINK = PPM.AF_NETLINK;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_RAW = 3;
const IPPROTO_IP = 0;
const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_RAW = 255;
const EINPROGRESS = 115;

export function parseSocketEvent(p: EventParser, ev: ScapEvent): boolean {
  switch (ev.type) {
    case PPME.SOCKET_SOCKET_X: {
      const t = ev.thread;
      const res = ev.int(0);
      if (t === undefined || res === undefined || res < 0) return true;
      addSocket(p, ev, t, res, ev.uint(1) ?? 0, ev.uint(2) ?? 0, ev.uint(3) ?? 0);
      return true;
    }
    case PPME.SOCKET_BIND_X:
      parseBind(ev);
      return true;
    case PPME.SOCKET_CONNECT_X:
      parseConnect(p, ev);
      return true;
    case PPME.SOCKET_ACCEPT_5_X:
    case PPME.SOCKET_ACCEPT4_6_X:
      parseAccept(p, ev);
      return true;
    case PPME.SOCKET_SOCKETPAIR_X: {
      const t = ev.thread;
      const res = ev.int(0);
      if (t === undefined || res === undefined || res < 0) return true;
      const fd1 = ev.int(1) ?? -1;
      const fd2 = ev.int(2) ?? -1;
      if (fd1 === fd2) {
        ev.fd = undefined;
        return true;
      }
      const a = new FdInfo();
      a.type = SCAP_FD.UNIX_SOCK;
      a.unixSource = ev.u64Big(3) ?? 0n;
      a.unixDest = ev.u64Big(4) ?? 0n;
      const b = a.clone();
      ev.fd = p.state.addFd(t, fd1, a);
      p.state.fdTable(t).set(fd2, b);
      return true;
    }
    case PPME.SYSCALL_READ_X:
    case PPME.SYSCALL_READV_X:
    case PPME.SYSCALL_PREAD_X:
    case PPME.SYSCALL_PREADV_X:
    case PPME.SOCKET_RECV_X:
    case PPME.SOCKET_RECVFROM_X:
    case PPME.SOCKET_RECVMSG_X:
    case PPME.SOCKET_RECVMMSG_X:
      parseReadWrite(p, ev, true);
      return true;
    case PPME.SYSCALL_WRITE_X:
    case PPME.SYSCALL_WRITEV_X:
    case PPME.SYSCALL_PWRITE_X:
    case PPME.SYSCALL_PWRITEV_X:
    case PPME.SOCKET_SEND_X:
    case PPME.SOCKET_SENDTO_X:
    case PPME.SOCKET_SENDMSG_X:
    case PPME.SOCKET_SENDMMSG_X:
      parseReadWrite(p, ev, false);
      return true;
    default:
      return false;
  }
}

function addSocket(
  p: EventParser,
  ev: ScapEvent,
  t: ThreadInfo,
  fdNum: number,
  domain: number,
  type: number,
  proto: number,
): void {
  const fd = new FdInfo();
  fd.type = SCAP_FD.UNKNOWN;
  if (domain === AF_UNIX) {
    fd.type = SCAP_FD.UNIX_SOCK;
  } else if (domain === AF_INET || domain === AF_INET6) {
    fd.type = domain === AF_INET ? SCAP_FD.IPV4_SOCK : SCAP_FD.IPV6_SOCK;
    let l4: number = L4.UNKNOWN;
    if (proto === IPPROTO_TCP) l4 = type === SOCK_RAW ? L4.RAW : L4.TCP;
    else if (proto === IPPROTO_UDP) l4 = type === SOCK_RAW ? L4.RAW : L4.UDP;
    else if (proto === IPPROTO_IP) {
      if ((type & 0xff) === SOCK_STREAM) l4 = L4.TCP;
      else if ((type & 0xff) === SOCK_DGRAM) l4 = L4.UDP;
    } else if (proto === IPPROTO_ICMP) l4 = type === SOCK_RAW ? L4.RAW : L4.ICMP;
    else if (proto === IPPROTO_RAW) l4 = L4.RAW;
    fd.l4proto = l4;
  } else if (domain === AF_NETLINK) {
    fd.type = SCAP_FD.NETLINK;
  }
  ev.fd = p.state.addFd(t, fdNum, fd);
}

// ---- bind / connect / accept ---------------------------------------------------------------------------

function parseBind(ev: ScapEvent): void {
  const fd = ev.fd;
  if (fd === undefined) return;
  const res = ev.int(0);
  if (res === undefined || res < 0 || !ev.has(1)) return;
  const b = ev.bytes(1);
  const fam = b[0];
  if (fam === AF_INET && b.length >= 7) {
    const port = b.readUInt16LE(5);
    if (port > 0) {
      fd.type = SCAP_FD.IPV4_SERVSOCK;
      fd.sip = ipv4FromBytes(b, 1);
      fd.sport = port;
      fd.role = ROLE.SERVER;
    }
  } else if (fam === AF_INET6 && b.length >= 19) {
    const port = b.readUInt16LE(17);
    if (port > 0) {
      if (isIpv4MappedIpv6(b, 1)) {
        fd.type = SCAP_FD.IPV4_SERVSOCK;
        fd.sip = ipv4FromBytes(b, 13);
      } else {
        fd.type = SCAP_FD.IPV6_SERVSOCK;
        fd.sip6 = Buffer.from(b.subarray(1, 17));
      }
      fd.sport = port;
      fd.role = ROLE.SERVER;
    }
  }
  fd.name = sockaddrText(b);
}

function parseConnect(p: EventParser, ev: ScapEvent): void {
  const t = ev.thread;
  const fd = ev.fd;
  if (t === undefined || fd === undefined) return;
  const res = ev.int(0) ?? 0;
  if (res < 0 && res !== -EINPROGRESS) return;
  fd.connected = true;
  const enter = p.enterFor(ev);
  const enterAddr = enter !== null && enter.has(1) ? enter.bytes(1) : null;
  if (!ev.has(1)) {
    if (enterAddr === null) return;
    fillFromAddr(fd, enterAddr);
    if (fd.role === ROLE.NONE) fd.role = ROLE.CLIENT;
    return;
  }
  const tuple = ev.bytes(1);
  const exitAddr = ev.has(3) ? ev.bytes(3) : null;
  const fam = tuple[0];
  if ((fam === AF_INET && tuple.length >= 13) || (fam === AF_INET6 && tuple.length >= 37)) {
    let changed: boolean;
    if (fam === AF_INET6) {
      const sip = tuple.subarray(1, 17);
      const sport = tuple.readUInt16LE(17);
      let dip = tuple.subarray(19, 35);
      let dport = tuple.readUInt16LE(35);
      // Unless the kernel's tuple differs from the exit address, trust the enter address (TOCTOU).
      if (exitAddr !== null && enterAddr !== null && exitAddr.length >= 19 && enterAddr.length >= 19) {
        if (exitAddr.readUInt16LE(17) === dport && exitAddr.subarray(1, 17).equals(dip)) {
          dip = enterAddr.subarray(1, 17);
          dport = enterAddr.readUInt16LE(17);
        }
      }
      if (!(isIpv4MappedIpv6(sip) && isIpv4MappedIpv6(dip))) {
        fd.type = SCAP_FD.IPV6_SOCK;
        changed = setV6(fd, sip, sport, dip, dport, true);
      } else {
        fd.type = SCAP_FD.IPV4_SOCK;
        changed = setV4(fd, ipv4FromBytes(sip, 12), sport, ipv4FromBytes(dip, 12), dport, true);
      }
    } else {
      fd.type = SCAP_FD.IPV4_SOCK;
      const sip = ipv4FromBytes(tuple, 1);
      const sport = tuple.readUInt16LE(5);
      let dip = ipv4FromBytes(tuple, 7);
      let dport = tuple.readUInt16LE(11);
      if (exitAddr !== null && enterAddr !== null && exitAddr.length >= 7 && enterAddr.length >= 7) {
        if (exitAddr.readUInt16LE(5) === dport && ipv4FromBytes(exitAddr, 1) === dip) {
          dip = ipv4FromBytes(enterAddr, 1);
          dport = enterAddr.readUInt16LE(5);
        }
      }
      changed = setV4(fd, sip, sport, dip, dport, true);
    }
    if (changed && fd.role === ROLE.SERVER && fd.isUdpSocket()) swapEnds(fd);
    fd.name = socketName(fd);
  } else {
    if (fd.type !== SCAP_FD.UNIX_SOCK) return;
    if (fam !== AF_UNIX || tuple.length < 17) return;
    let dpath = cstr(tuple, 17);
    if (exitAddr !== null && enterAddr !== null) {
      if (cstr(exitAddr, 1).slice(0, 108) === dpath.slice(0, 108)) dpath = cstr(enterAddr, 1);
    }
    fd.unixSource = tuple.readBigUInt64LE(1);
    fd.unixDest = tuple.readBigUInt64LE(9);
    fd.name = `${fd.unixSource.toString(16)}->${fd.unixDest.toString(16)} ${dpath}`;
  }
  if (fd.role === ROLE.NONE) fd.role = ROLE.CLIENT;
}

/** A connect without a tuple: the destination comes from the enter event's address. */
function fillFromAddr(fd: FdInfo, addr: Buffer): void {
  const fam = addr[0];
  if (fam === AF_INET && addr.length >= 7) {
    fd.type = SCAP_FD.IPV4_SOCK;
    fd.dip = ipv4FromBytes(addr, 1);
    fd.dport = addr.readUInt16LE(5);
  } else if (fam === AF_INET6 && addr.length >= 19) {
    const port = addr.readUInt16LE(17);
    if (isIpv4MappedIpv6(addr, 1)) {
      fd.type = SCAP_FD.IPV4_SOCK;
      fd.dip = ipv4FromBytes(addr, 13);
    } else {
      fd.type = SCAP_FD.IPV6_SOCK;
      fd.dip6 = Buffer.from(addr.subarray(1, 17));
    }
    fd.dport = port;
  } else {
    fd.name = sockaddrText(addr);
  }
}

function parseAccept(p: EventParser, ev: ScapEvent): void {
  const t = ev.thread;
  if (t === undefined) return;
  const res = ev.int(0);
  if (res === undefined || res < 0) return;
  t.lastEventFd = res;
  if (!ev.has(1)) return;
  const b = ev.bytes(1);
  const fam = b[0];
  const fd = new FdInfo();
  if (fam === AF_INET && b.length >= 13) {
    setV4(fd, ipv4FromBytes(b, 1), b.readUInt16LE(5), ipv4FromBytes(b, 7), b.readUInt16LE(11), false);
    fd.type = SCAP_FD.IPV4_SOCK;
    fd.l4proto = L4.TCP;
  } else if (fam === AF_INET6 && b.length >= 37) {
    const sip = b.subarray(1, 17);
    const dip = b.subarray(19, 35);
    if (isIpv4MappedIpv6(sip) && isIpv4MappedIpv6(dip)) {
      setV4(fd, ipv4FromBytes(b, 13), b.readUInt16LE(17), ipv4FromBytes(b, 31), b.readUInt16LE(35), false);
      fd.type = SCAP_FD.IPV4_SOCK;
    } else {
      setV6(fd, sip, b.readUInt16LE(17), dip, b.readUInt16LE(35), false);
      fd.type = SCAP_FD.IPV6_SOCK;
    }
    fd.l4proto = L4.TCP;
  } else if (fam === AF_UNIX && b.length >= 17) {
    fd.type = SCAP_FD.UNIX_SOCK;
    fd.unixSource = b.readBigUInt64LE(1);
    fd.unixDest = b.readBigUInt64LE(9);
  } else {
    return;
  }
  fd.name = socktupleText(b);
  fd.role = ROLE.SERVER;
  fd.connected = true;
  ev.fd = p.state.addFd(t, res, fd);
}

// ---- reads and writes ----------------------------------------------------------------------------------

const SENDS = new Set<number>([PPME.SOCKET_SEND_X, PPME.SOCKET_SENDTO_X, PPME.SOCKET_SENDMSG_X]);

function tupleParamOf(type: number, read: boolean): number {
  if (read) {
    if (type === PPME.SOCKET_RECVFROM_X) return 2;
    if (type === PPME.SOCKET_RECVMSG_X) return 3;
    if (type === PPME.SOCKET_RECVMMSG_X || type === PPME.SOCKET_RECV_X) return 4;
    return -1;
  }
  if (
    type === PPME.SOCKET_SEND_X ||
    type === PPME.SOCKET_SENDTO_X ||
    type === PPME.SOCKET_SENDMSG_X ||
    type === PPME.SOCKET_SENDMMSG_X
  ) {
    return 4;
  }
  return -1;
}

function parseReadWrite(p: EventParser, ev: ScapEvent, read: boolean): void {
  const type = ev.type;
  if ((type === PPME.SOCKET_RECVMMSG_X || type === PPME.SOCKET_SENDMMSG_X) && !ev.has(0)) return;
  const t = ev.thread;
  const res = ev.int(0) ?? 0;
  if (!read && ev.fd === undefined && t !== undefined && SENDS.has(type) && res >= 0) {
    // A send on an fd we never saw created: guess a UDP socket of the tuple's family.
    const fdNum = ev.int(2) ?? -1;
    const tuple = ev.has(4) ? ev.bytes(4) : null;
    if (tuple !== null && (tuple[0] === AF_INET || tuple[0] === AF_INET6)) {
      addSocket(p, ev, t, fdNum, tuple[0] === AF_INET ? AF_INET : AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
    }
  }
  const fd = ev.fd;
  if (fd === undefined || t === undefined) return;
  if (res < 0) return;
  if (fd.isIpSocket()) fd.connected = true;
  const tp = tupleParamOf(type, read);
  if (tp < 0 || !(fd.name.length === 0 || !fd.isTcpSocket())) return;
  if (!ev.has(tp)) return;
  if (!updateFromTuple(p, fd, ev.bytes(tp))) return;
  if (fd.isIpSocket()) {
    if (fd.role === ROLE.NONE) guessRole(p, t, fd, read);
    if (read ? fd.role === ROLE.CLIENT : fd.role === ROLE.SERVER) swapEnds(fd);
    fd.name = socketName(fd);
  } else {
    fd.name = socktupleText(ev.bytes(tp));
  }
}

/** sinsp update_fd: the fd takes the tuple's addresses (unknown protocols become UDP). */
function updateFromTuple(p: EventParser, fd: FdInfo, b: Buffer): boolean {
  const fam = b[0];
  if (fam === AF_INET && b.length >= 13) {
    fd.type = SCAP_FD.IPV4_SOCK;
    if (!setV4(fd, ipv4FromBytes(b, 1), b.readUInt16LE(5), ipv4FromBytes(b, 7), b.readUInt16LE(11), false)) {
      return false;
    }
  } else if (fam === AF_INET6 && b.length >= 37) {
    const sip = b.subarray(1, 17);
    const dip = b.subarray(19, 35);
    if (isIpv4MappedIpv6(sip) && isIpv4MappedIpv6(dip)) {
      fd.type = SCAP_FD.IPV4_SOCK;
      if (!setV4(fd, ipv4FromBytes(b, 13), b.readUInt16LE(17), ipv4FromBytes(b, 31), b.readUInt16LE(35), false)) {
        return false;
      }
    } else if (!setV6(fd, sip, b.readUInt16LE(17), dip, b.readUInt16LE(35), false)) {
      return false;
    }
  } else if (fam === AF_UNIX && b.length >= 17) {
    fd.type = SCAP_FD.UNIX_SOCK;
    fd.unixSource = b.readBigUInt64LE(1);
    fd.unixDest = b.readBigUInt64LE(9);
    fd.name = cstr(b, 17);
    return true;
  } else {
    return false;
  }
  if (fd.isIpSocket() && fd.l4proto === L4.UNKNOWN) fd.l4proto = L4.UDP;
  completeFromInterfaces(fd, p.state.interfaces);
  return true;
}

/** sinsp set_net_role_by_guessing: a process that owns the destination port is the server. */
function guessRole(p: EventParser, t: ThreadInfo, fd: FdInfo, incoming: boolean): void {
  const table = p.state.fdTable(t);
  let bound = false;
  let usesClientPort = false;
  for (const other of table.values()) {
    if (other.type === SCAP_FD.IPV4_SOCK && other.dport === fd.dport) bound = true;
    if (other.type === SCAP_FD.IPV4_SERVSOCK && other.sport === fd.dport) bound = true;
    if (other.type === SCAP_FD.IPV4_SOCK && other.sport === fd.sport) usesClientPort = true;
  }
  if (!bound) {
    fd.role = ROLE.CLIENT;
    return;
  }
  if (!usesClientPort) {
    fd.role = ROLE.SERVER;
    return;
  }
  fd.role = incoming ? ROLE.SERVER : ROLE.CLIENT;
}
