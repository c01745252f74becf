// Fd-list blocks (FDL, FDL_V2, FORMAT.md §9): the fds a thread had open when the capture started.

import { Cursor } from './cursor.js';

/** scap fd types (FORMAT.md §9). */
export const SCAP_FD = {
  UNINITIALIZED: -1,
  UNKNOWN: 0,
  FILE: 1,
  DIRECTORY: 2,
  IPV4_SOCK: 3,
  IPV6_SOCK: 4,
  IPV4_SERVSOCK: 5,
  IPV6_SERVSOCK: 6,
  FIFO: 7,
  UNIX_SOCK: 8,
  EVENT: 9,
  UNSUPPORTED: 10,
  SIGNALFD: 11,
  EVENTPOLL: 12,
  INOTIFY: 13,
  TIMERFD: 14,
  NETLINK: 15,
  FILE_V2: 16,
  BPF: 17,
  USERFAULTFD: 18,
  IOURING: 19,
  MEMFD: 20,
  PIDFD: 21,
} as const;

export interface FdEntry {
  fd: number;
  ino: bigint;
  type: number;
  name: string;
  openFlags: number;
  dev: number;
  /** IP sockets: addresses (4 or 16 bytes, network order) and host-order ports. */
  sip?: Buffer;
  dip?: Buffer;
  sport?: number;
  dport?: number;
  l4proto?: number;
  /** Unix sockets: kernel pointers. */
  unixSource?: bigint;
  unixDest?: bigint;
}

/**
 * Where an fd-list block's entries are: the block is checked when it is read (scanFdList) but decoded only
 * when its thread's fd table is first used (parseFdList), since most threads' fd tables never are.
 */
export interface FdListRef {
  buf: Buffer;
  /** The block's body (its tid first). */
  start: number;
  end: number;
  /** File offset of buf[0], for error messages. */
  base: number;
  v2: boolean;
}

/** The entries of an fd-list block. */
export function parseFdList(ref: FdListRef): { tid: number; fds: FdEntry[] } {
  const fds: FdEntry[] = [];
  const tid = walkFdList(ref, true, (e) => fds.push(e));
  return { tid, fds };
}

/**
 * Reads an fd-list block's framing as parseFdList does (with the same errors) without decoding its names
 * and addresses: returns its tid, and the ports of its server sockets.
 */
export function scanFdList(ref: FdListRef): { tid: number; serverPorts: number[] } {
  const serverPorts: number[] = [];
  const tid = walkFdList(ref, false, (e) => {
    if (e.type === SCAP_FD.IPV4_SERVSOCK || e.type === SCAP_FD.IPV6_SERVSOCK) serverPorts.push(e.sport!);
  });
  return { tid, serverPorts };
}

/**
 * Visits each entry. Without `decode`, one entry object is reused, and only its fd, type, ports, protocol,
 * flags and dev are read: names, addresses, inodes and unix pointers are stepped over.
 */
function walkFdList(ref: FdListRef, decode: boolean, visit: (e: FdEntry) => void): number {
  const { buf, start, end, base, v2 } = ref;
  const c = new Cursor(buf, start, end, base, 'fd list');
  const bytes = (n: number): Buffer | undefined => {
    if (decode) return c.bytes(n);
    c.skip(n);
    return undefined;
  };
  const u64 = (): bigint => {
    if (decode) return c.u64();
    c.skip(8);
    return 0n;
  };
  const str = (max: number, field: string): string => {
    if (decode) return c.str(max, field);
    c.skipStr(max, field);
    return '';
  };
  const scratch: FdEntry = { fd: 0, ino: 0n, type: 0, name: '', openFlags: 0, dev: 0 };
  const tid = c.i64();
  while (c.left() >= 4) {
    const entryStart = c.pos;
    let entryEnd = end;
    if (v2) {
      const len = c.u32();
      entryEnd = entryStart + len;
      if (len < 4 || entryEnd > end) c.fail(`entry length ${len} overruns the block`);
      c.end = entryEnd;
    }
    const fd = c.i64();
    const ino = u64();
    const type = c.u8();
    let e: FdEntry;
    if (decode) {
      e = { fd, ino, type, name: '', openFlags: 0, dev: 0 };
    } else {
      e = scratch;
      e.fd = fd;
      e.type = type;
    }
    switch (type) {
      case SCAP_FD.IPV4_SOCK:
      case SCAP_FD.IPV6_SOCK: {
        const size = type === SCAP_FD.IPV4_SOCK ? 4 : 16;
        e.sip = bytes(size);
        e.dip = bytes(size);
        e.sport = c.u16();
        e.dport = c.u16();
        e.l4proto = c.u8();
        break;
      }
      case SCAP_FD.IPV4_SERVSOCK:
        e.sip = bytes(4);
        e.sport = c.u16();
        e.l4proto = c.u8();
        break;
      case SCAP_FD.IPV6_SERVSOCK:
        e.sip = bytes(16);
        e.sport = c.u16();
        e.l4proto = c.u8();
        break;
      case SCAP_FD.UNIX_SOCK:
        e.unixSource = u64();
        e.unixDest = u64();
        e.name = str(4096, 'unix socket path');
        break;
      case SCAP_FD.FILE_V2:
        e.openFlags = c.u32();
        e.name = str(4096, 'file name');
        if (v2 && c.left() >= 4) e.dev = c.u32();
        break;
      case SCAP_FD.UNKNOWN:
        break;
      case SCAP_FD.FILE:
      case SCAP_FD.DIRECTORY:
      case SCAP_FD.FIFO:
      case SCAP_FD.EVENT:
      case SCAP_FD.UNSUPPORTED:
      case SCAP_FD.SIGNALFD:
      case SCAP_FD.EVENTPOLL:
      case SCAP_FD.INOTIFY:
      case SCAP_FD.TIMERFD:
      case SCAP_FD.NETLINK:
      case SCAP_FD.BPF:
      case SCAP_FD.USERFAULTFD:
      case SCAP_FD.IOURING:
      case SCAP_FD.MEMFD:
      case SCAP_FD.PIDFD:
        e.name = str(4096, 'fd name');
        break;
      default:
        // libscap keeps such an entry as UNSUPPORTED `unknown-type:[N]`; without entry lengths the rest
        // of the block cannot be read.
        e.type = SCAP_FD.UNSUPPORTED;
        e.name = `unknown-type:[${type}]`;
        if (!v2) {
          visit(e);
          return tid;
        }
    }
    if (v2) {
      c.pos = entryEnd;
      c.end = end;
    }
    visit(e);
  }
  return tid;
}
