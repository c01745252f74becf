// A file descriptor as libsinsp keeps it: its type, its name (path, socket tuple text…), open flags, and
// for sockets the addresses, ports, protocol and which end this process is.

import { SCAP_FD } from '../fdlist.js';

/** scap l4 protocol values. */
export const L4 = { UNKNOWN: 0, NA: 1, TCP: 2, UDP: 3, ICMP: 4, RAW: 5 } as const;

export const ROLE = { NONE: 0, CLIENT: 1, SERVER: 2 } as const;

export class FdInfo {
  type: number = SCAP_FD.UNKNOWN;
  /** fd.name: full path, tuple text, unix path… */
  name = '';
  /** fd.nameraw: the path as the syscall gave it (opens only). */
  nameRaw = '';
  /** PPM_O_* flags (files), or the type-specific flags of eventfd/signalfd/inotify/pipe2/memfd. */
  openFlags = 0;
  dev = 0;
  ino = 0n;
  l4proto: number = L4.UNKNOWN;
  role: number = ROLE.NONE;
  connected = false;
  /**
   * IPv4 addresses as unsigned 32-bit numbers of the network-order bytes (a.b.c.d → a<<24|…); for server
   * sockets sip/sport hold the bound address.
   */
  sip = 0;
  dip = 0;
  /** IPv6 addresses (16 bytes, network order) for IPV6_SOCK / IPV6_SERVSOCK. */
  sip6: Buffer | null = null;
  dip6: Buffer | null = null;
  sport = 0;
  dport = 0;
  unixSource = 0n;
  unixDest = 0n;

  clone(): FdInfo {
    const c = new FdInfo();
    c.type = this.type;
    c.name = this.name;
    c.nameRaw = this.nameRaw;
    c.openFlags = this.openFlags;
    c.dev = this.dev;
    c.ino = this.ino;
    c.l4proto = this.l4proto;
    c.role = this.role;
    c.connected = this.connected;
    c.sip = this.sip;
    c.dip = this.dip;
    c.sip6 = this.sip6;
    c.dip6 = this.dip6;
    c.sport = this.sport;
    c.dport = this.dport;
    c.unixSource = this.unixSource;
    c.unixDest = this.unixDest;
    return c;
  }

  isFile(): boolean {
    return this.type === SCAP_FD.FILE || this.type === SCAP_FD.FILE_V2;
  }
  isIpSocket(): boolean {
    return this.type === SCAP_FD.IPV4_SOCK || this.type === SCAP_FD.IPV6_SOCK;
  }
  isTcpSocket(): boolean {
    return this.isIpSocket() && this.l4proto === L4.TCP;
  }
  isUdpSocket(): boolean {
    return this.isIpSocket() && this.l4proto === L4.UDP;
  }
}

/** One table per process (threads share their main thread's). */
export type FdTable = Map<number, FdInfo>;

/** fd.typechar by scap fd type. */
export function fdTypeChar(type: number): string {
  switch (type) {
    case SCAP_FD.FILE:
    case SCAP_FD.FILE_V2:
      return 'f';
    case SCAP_FD.DIRECTORY:
      return 'd';
    case SCAP_FD.IPV4_SOCK:
    case SCAP_FD.IPV4_SERVSOCK:
      return '4';
    case SCAP_FD.IPV6_SOCK:
    case SCAP_FD.IPV6_SERVSOCK:
      return '6';
    case SCAP_FD.FIFO:
      return 'p';
    case SCAP_FD.UNIX_SOCK:
      return 'u';
    case SCAP_FD.EVENT:
      return 'e';
    case SCAP_FD.SIGNALFD:
      return 's';
    case SCAP_FD.EVENTPOLL:
      return 'l';
    case SCAP_FD.INOTIFY:
      return 'i';
    case SCAP_FD.TIMERFD:
      return 't';
    case SCAP_FD.NETLINK:
      return 'n';
    case SCAP_FD.BPF:
      return 'b';
    case SCAP_FD.USERFAULTFD:
      return 'u';
    case SCAP_FD.IOURING:
      return 'r';
    case SCAP_FD.MEMFD:
      return 'm';
    case SCAP_FD.PIDFD:
      return 'P';
    case SCAP_FD.UNSUPPORTED:
      return 'X';
    default:
      return 'o';
  }
}

/** fd.type by scap fd type; undefined → `<NA>` in Falco (an unknown type). */
export function fdTypeString(type: number): string | undefined {
  switch (type) {
    case SCAP_FD.FILE:
    case SCAP_FD.FILE_V2:
      return 'file';
    case SCAP_FD.DIRECTORY:
      return 'directory';
    case SCAP_FD.IPV4_SOCK:
    case SCAP_FD.IPV4_SERVSOCK:
      return 'ipv4';
    case SCAP_FD.IPV6_SOCK:
    case SCAP_FD.IPV6_SERVSOCK:
      return 'ipv6';
    case SCAP_FD.UNIX_SOCK:
      return 'unix';
    case SCAP_FD.FIFO:
      return 'pipe';
    case SCAP_FD.EVENT:
      return 'event';
    case SCAP_FD.SIGNALFD:
      return 'signalfd';
    case SCAP_FD.EVENTPOLL:
      return 'eventpoll';
    case SCAP_FD.INOTIFY:
      return 'inotify';
    case SCAP_FD.TIMERFD:
      return 'timerfd';
    case SCAP_FD.NETLINK:
      return 'netlink';
    case SCAP_FD.BPF:
      return 'bpf';
    case SCAP_FD.USERFAULTFD:
      return 'userfaultfd';
    case SCAP_FD.IOURING:
      return 'io_uring';
    case SCAP_FD.MEMFD:
      return 'memfd';
    case SCAP_FD.PIDFD:
      return 'pidfd';
    default:
      return undefined;
  }
}

export function l4protoName(l4: number): string | undefined {
  switch (l4) {
    case L4.TCP:
      return 'tcp';
    case L4.UDP:
      return 'udp';
    case L4.ICMP:
      return 'icmp';
    case L4.RAW:
      return 'raw';
    default:
      return undefined;
  }
}

/** The l4 protocol of an fd, as sinsp's get_l4proto (servers keep theirs; non-sockets have none). */
export function fdL4proto(fd: FdInfo): number {
  switch (fd.type) {
    case SCAP_FD.IPV4_SOCK:
    case SCAP_FD.IPV6_SOCK:
    case SCAP_FD.IPV4_SERVSOCK:
    case SCAP_FD.IPV6_SERVSOCK:
      return fd.l4proto;
    default:
      return L4.NA;
  }
}

// ---- addresses ------------------------------------------------------------------------------------------

export function ipv4FromBytes(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function ipv4Text(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** Standard compressed IPv6 text (RFC 5952, as inet_ntop prints it, including ::ffff:a.b.c.d). */
export function ipv6Text(b: Uint8Array, o = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!);
  // inet_ntop prints IPv4-mapped and IPv4-compatible addresses with a dotted tail.
  const mapped = words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0;
  if (mapped && (words[5] === 0xffff || (words[5] === 0 && words[6] !== 0))) {
    const tail = `${b[o + 12]}.${b[o + 13]}.${b[o + 14]}.${b[o + 15]}`;
    return words[5] === 0xffff ? `::ffff:${tail}` : `::${tail}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** sinsp's test: ::ffff:a.b.c.d, or the all-zero address (taken as IPv4 too). */
export function isIpv4MappedIpv6(b: Uint8Array, o = 0): boolean {
  for (let i = 0; i < 10; i++) if (b[o + i] !== 0) return false;
  if (b[o + 10] === 0xff && b[o + 11] === 0xff) return true;
  for (let i = 10; i < 16; i++) if (b[o + i] !== 0) return false;
  return true;
}

export function isZero16(b: Uint8Array | null): boolean {
  if (b === null) return true;
  for (let i = 0; i < 16; i++) if (b[i] !== 0) return false;
  return true;
}

/** The text libsinsp gives a socket fd (sockinfo_to_str): tuples, `ip:port` for servers. */
export function socketName(fd: FdInfo): string {
  switch (fd.type) {
    case SCAP_FD.IPV4_SOCK:
      if (fd.l4proto === L4.TCP || fd.l4proto === L4.UDP) {
        return `${ipv4Text(fd.sip)}:${fd.sport}->${ipv4Text(fd.dip)}:${fd.dport}`;
      }
      if (fd.l4proto === L4.ICMP || fd.l4proto === L4.RAW) return `${ipv4Text(fd.sip)}->${ipv4Text(fd.dip)}`;
      return '<unknown>';
    case SCAP_FD.IPV6_SOCK: {
      const s = ipv6Text(fd.sip6 ?? ZERO16);
      const d = ipv6Text(fd.dip6 ?? ZERO16);
      if (fd.l4proto === L4.TCP || fd.l4proto === L4.UDP) return `${s}:${fd.sport}->${d}:${fd.dport}`;
      if (fd.l4proto === L4.ICMP || fd.l4proto === L4.RAW) return `${s}->${d}`;
      return '<unknown>';
    }
    case SCAP_FD.IPV4_SERVSOCK:
      return `${ipv4Text(fd.sip)}:${fd.sport}`;
    case SCAP_FD.IPV6_SERVSOCK:
      return `${ipv6Text(fd.sip6 ?? ZERO16)}:${fd.sport}`;
    default:
      return fd.name;
  }
}

export const ZERO16 = Buffer.alloc(16);
