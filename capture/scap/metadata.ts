// Decoders for the metadata blocks written before the events: section header, machine info, interface,
// user, process and fd lists (FORMAT.md §4–§9). Each returns plain records; state/ loads them.

import { ScapError } from './blocks.js';
import { splitNulList } from './event.js';

export const BLOCK = {
  SHB: 0x0a0d0d0a,
  MI: 0x201,
  MI_INT: 0x8002abcd,
  PL_V1: 0x202,
  PL_V1_INT: 0x8000abcd,
  PL_V2: 0x207,
  PL_V2_INT: 0x8013abcd,
  PL_V3: 0x209,
  PL_V3_INT: 0x8014abcd,
  PL_V4: 0x210,
  PL_V5: 0x211,
  PL_V6: 0x212,
  PL_V7: 0x213,
  PL_V8: 0x214,
  PL_V9: 0x215,
  FDL: 0x203,
  FDL_INT: 0x8001abcd,
  FDL_V2: 0x218,
  EV: 0x204,
  EV_INT: 0x8010abcd,
  EVF: 0x208,
  EV_V2: 0x216,
  EVF_V2: 0x217,
  EV_V2_LARGE: 0x221,
  EVF_V2_LARGE: 0x222,
  IL: 0x205,
  IL_INT: 0x8011abcd,
  IL_V2: 0x219,
  UL: 0x206,
  UL_INT: 0x8012abcd,
  UL_V2: 0x220,
} as const;

/** Process-list block type → layout version 1…9, or 0 when the type is not a process list. */
export function processListVersion(type: number): number {
  switch (type) {
    case BLOCK.PL_V1:
    case BLOCK.PL_V1_INT:
      return 1;
    case BLOCK.PL_V2:
    case BLOCK.PL_V2_INT:
      return 2;
    case BLOCK.PL_V3:
    case BLOCK.PL_V3_INT:
      return 3;
    case BLOCK.PL_V4:
      return 4;
    case BLOCK.PL_V5:
      return 5;
    case BLOCK.PL_V6:
      return 6;
    case BLOCK.PL_V7:
      return 7;
    case BLOCK.PL_V8:
      return 8;
    case BLOCK.PL_V9:
      return 9;
    default:
      return 0;
  }
}

/** A bounds-checked little-endian cursor whose errors name the file offset. */
class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
    /** File offset of buf[0]. */
    private readonly base: number,
    private readonly what: string,
  ) {}

  fail(msg: string): never {
    throw new ScapError(`${this.what}: ${msg}`, this.base + this.pos);
  }
  need(n: number): void {
    if (this.pos + n > this.end) this.fail(`needs ${n} bytes, ${this.end - this.pos} left`);
  }
  left(): number {
    return this.end - this.pos;
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  /** Signed 64-bit as a number (ids and limits fit). */
  i64(): number {
    this.need(8);
    const v = this.buf.readInt32LE(this.pos + 4) * 0x1_0000_0000 + this.buf.readUInt32LE(this.pos);
    this.pos += 8;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** u16 length + bytes (no terminator on disk; a stray trailing NUL is dropped). */
  str(max: number, field: string): string {
    const n = this.u16();
    if (n > max) this.fail(`${field} length ${n} exceeds ${max}`);
    const b = this.bytes(n);
    let end = b.length;
    const nul = b.indexOf(0);
    if (nul >= 0) end = nul;
    return b.toString('utf8', 0, end);
  }
  /** u16 length + NUL-separated list. */
  list(max: number, field: string): { items: string[]; raw: Buffer } {
    const n = this.u16();
    if (n > max) this.fail(`${field} length ${n} exceeds ${max}`);
    const raw = this.bytes(n);
    return { items: splitNulList(raw, 0, raw.length), raw };
  }
}

export interface SectionHeader {
  major: number;
  minor: number;
}

export function parseSectionHeader(buf: Buffer, start: number, end: number, base: number): SectionHeader {
  const c = new Cursor(buf, start, end, base, 'section header');
  if (c.left() < 16) c.fail('too short');
  const magic = c.u32();
  if (magic !== 0x1a2b3c4d) {
    c.pos -= 4;
    c.fail(`invalid byte-order magic 0x${magic.toString(16)} (only little-endian captures are supported)`);
  }
  const major = c.u16();
  const minor = c.u16();
  if (major > 1) c.fail(`unsupported major version ${major}`);
  // section_length (ignored), then pcapng options that libscap skips.
  return { major, minor };
}

export interface MachineInfo {
  numCpus: number;
  memoryBytes: bigint;
  maxPid: bigint;
  hostname: string;
  /** Boot time in ns since the epoch (0 in older files). */
  bootTs: bigint;
  flags: bigint;
}

export function parseMachineInfo(buf: Buffer, start: number, end: number, base: number): MachineInfo {
  const c = new Cursor(buf, start, end, base, 'machine info');
  c.need(180);
  const numCpus = c.u32();
  const memoryBytes = c.u64();
  const maxPid = c.u64();
  const host = c.bytes(128);
  const nul = host.indexOf(0);
  const hostname = host.toString('utf8', 0, nul < 0 ? 128 : nul);
  const bootTs = c.u64();
  const flags = c.u64();
  return { numCpus, memoryBytes, maxPid, hostname, bootTs, flags };
}

export interface InterfaceInfo {
  name: string;
  /** 4 or 16 bytes, network order. */
  addr: Buffer;
  netmask: Buffer;
  family: 4 | 6;
}

export function parseInterfaces(buf: Buffer, start: number, end: number, base: number, v2: boolean): InterfaceInfo[] {
  const c = new Cursor(buf, start, end, base, 'interface list');
  const out: InterfaceInfo[] = [];
  while (c.left() >= 4) {
    let entryEnd = c.end;
    if (v2) {
      const len = c.u32();
      entryEnd = c.pos + len;
      if (entryEnd > c.end) c.fail(`entry length ${len} overruns the block`);
    }
    const type = c.u16();
    const nameLen = c.u16();
    let family: 4 | 6;
    let addr: Buffer;
    let netmask: Buffer;
    if (type === 1 || type === 3) {
      family = 4;
      addr = c.bytes(4);
      netmask = c.bytes(4);
      c.bytes(4);
    } else if (type === 2 || type === 4) {
      family = 6;
      addr = c.bytes(16);
      netmask = c.bytes(16);
      c.bytes(16);
    } else {
      c.pos -= 4;
      return c.fail(`unknown interface type ${type}`);
    }
    if (type === 1 || type === 2) c.bytes(8); // link speed
    const name = c.bytes(nameLen).toString('utf8');
    out.push({ name, addr, netmask, family });
    if (v2) c.pos = entryEnd;
  }
  return out;
}

export interface UserEntry {
  uid: number;
  gid: number;
  name: string;
  homedir: string;
  shell: string;
}
export interface GroupEntry {
  gid: number;
  name: string;
}

export function parseUsers(
  buf: Buffer,
  start: number,
  end: number,
  base: number,
  v2: boolean,
): { users: UserEntry[]; groups: GroupEntry[] } {
  const c = new Cursor(buf, start, end, base, 'user list');
  const users: UserEntry[] = [];
  const groups: GroupEntry[] = [];
  while (c.left() >= 4) {
    const entryStart = c.pos;
    let entryEnd = c.end;
    if (v2) {
      const len = c.u32();
      entryEnd = entryStart + len;
      if (entryEnd > c.end) c.fail(`entry length ${len} overruns the block`);
    }
    const type = c.u8();
    if (type === 0) {
      const uid = c.u32();
      const gid = c.u32();
      const name = c.str(255, 'user name');
      const homedir = c.str(255, 'home directory');
      const shell = c.str(255, 'shell');
      users.push({ uid, gid, name, homedir, shell });
    } else {
      const gid = c.u32();
      const name = c.str(255, 'group name');
      groups.push({ gid, name });
    }
    if (v2) {
      if (c.pos > entryEnd) c.fail('entry longer than its length');
      c.pos = entryEnd;
    }
  }
  return { users, groups };
}

export interface ProcessEntry {
  tid: number;
  pid: number;
  ptid: number;
  sid: number;
  vpgid: number;
  pgid: number;
  comm: string;
  exe: string;
  exepath: string;
  args: string[];
  cwd: string;
  fdlimit: number;
  flags: number;
  uid: number;
  gid: number;
  vmsizeKb: number;
  vmrssKb: number;
  vmswapKb: number;
  pfmajor: bigint;
  pfminor: bigint;
  env: string[];
  vtid: number;
  vpid: number;
  cgroups: string[];
  root: string;
  pidnsInitStartTs: bigint;
  tty: number;
  loginuid: number;
  exeWritable: boolean;
  capInheritable: bigint;
  capPermitted: bigint;
  capEffective: bigint;
  exeUpperLayer: boolean;
  exeLowerLayer: boolean;
  exeFromMemfd: boolean;
  exeIno: bigint;
  exeInoCtime: bigint;
  exeInoMtime: bigint;
}

export function parseProcessList(
  buf: Buffer,
  start: number,
  end: number,
  base: number,
  version: number,
): ProcessEntry[] {
  const c = new Cursor(buf, start, end, base, `process list (v${version})`);
  const out: ProcessEntry[] = [];
  while (c.left() >= 4) {
    const entryStart = c.pos;
    let entryEnd = c.end;
    if (version >= 9) {
      const len = c.u32();
      entryEnd = entryStart + len;
      if (len < 4 || entryEnd > c.end) c.fail(`entry length ${len} overruns the block`);
      c.end = entryEnd;
    }
    const tid = c.i64();
    const pid = c.i64();
    const ptid = c.i64();
    const sid = version >= 6 ? c.i64() : -1;
    const vpgid = version >= 8 ? c.i64() : -1;
    const comm = c.str(1024, 'comm');
    const exe = c.str(1024, 'exe');
    const exepath = version >= 7 ? c.str(1024, 'exepath') : '';
    const args = c.list(4096, 'args').items;
    const cwd = c.str(1024, 'cwd');
    const fdlimit = c.i64();
    const flags = c.u32();
    const uid = c.u32();
    const gid = c.u32();
    let vmsizeKb = 0;
    let vmrssKb = 0;
    let vmswapKb = 0;
    let pfmajor = 0n;
    let pfminor = 0n;
    if (version >= 2) {
      vmsizeKb = c.u32();
      vmrssKb = c.u32();
      vmswapKb = c.u32();
      pfmajor = c.u64();
      pfminor = c.u64();
    }
    const env = version >= 3 ? c.list(4096, 'env').items : [];
    let vtid = -1;
    let vpid = -1;
    let cgroups: string[] = [];
    if (version >= 4) {
      vtid = c.i64();
      vpid = c.i64();
      cgroups = c.list(4096, 'cgroups').items;
    }
    const root = version >= 5 ? c.str(1024, 'root') : '';
    const e: ProcessEntry = {
      tid,
      pid,
      ptid,
      sid,
      vpgid,
      pgid: -1,
      comm,
      exe,
      exepath,
      args,
      cwd,
      fdlimit,
      flags,
      uid,
      gid,
      vmsizeKb,
      vmrssKb,
      vmswapKb,
      pfmajor,
      pfminor,
      env,
      vtid,
      vpid,
      cgroups,
      root,
      pidnsInitStartTs: 0n,
      tty: 0,
      loginuid: 0xffffffff,
      exeWritable: false,
      capInheritable: 0n,
      capPermitted: 0n,
      capEffective: 0n,
      exeUpperLayer: false,
      exeLowerLayer: false,
      exeFromMemfd: false,
      exeIno: 0n,
      exeInoCtime: 0n,
      exeInoMtime: 0n,
    };
    if (version >= 9) {
      // Optional tail: each field only if it still fits in the entry. Producers older than libs 0.10
      // did not write pidns_init_start_ts and tty, which shows as a short remainder.
      if (c.left() > 29) {
        e.pidnsInitStartTs = c.u64();
        e.tty = c.u32();
      }
      if (c.left() >= 4) e.loginuid = c.u32();
      if (c.left() >= 1) e.exeWritable = c.u8() !== 0;
      if (c.left() >= 8) e.capInheritable = c.u64();
      if (c.left() >= 8) e.capPermitted = c.u64();
      if (c.left() >= 8) e.capEffective = c.u64();
      if (c.left() >= 1) e.exeUpperLayer = c.u8() !== 0;
      if (c.left() >= 8) e.exeIno = c.u64();
      if (c.left() >= 8) e.exeInoCtime = c.u64();
      if (c.left() >= 8) e.exeInoMtime = c.u64();
      if (c.left() >= 1) e.exeFromMemfd = c.u8() !== 0;
      if (c.left() >= 1) e.exeLowerLayer = c.u8() !== 0;
      if (c.left() >= 8) e.pgid = c.i64();
      c.pos = entryEnd;
      c.end = end;
    }
    out.push(e);
  }
  return out;
}

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

export function parseFdList(
  buf: Buffer,
  start: number,
  end: number,
  base: number,
  v2: boolean,
): { tid: number; fds: FdEntry[] } {
  const c = new Cursor(buf, start, end, base, 'fd list');
  const tid = c.i64();
  const fds: FdEntry[] = [];
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
    const ino = c.u64();
    const type = c.u8();
    const e: FdEntry = { fd, ino, type, name: '', openFlags: 0, dev: 0 };
    switch (type) {
      case SCAP_FD.IPV4_SOCK:
        e.sip = c.bytes(4);
        e.dip = c.bytes(4);
        e.sport = c.u16();
        e.dport = c.u16();
        e.l4proto = c.u8();
        break;
      case SCAP_FD.IPV6_SOCK:
        e.sip = c.bytes(16);
        e.dip = c.bytes(16);
        e.sport = c.u16();
        e.dport = c.u16();
        e.l4proto = c.u8();
        break;
      case SCAP_FD.IPV4_SERVSOCK:
        e.sip = c.bytes(4);
        e.sport = c.u16();
        e.l4proto = c.u8();
        break;
      case SCAP_FD.IPV6_SERVSOCK:
        e.sip = c.bytes(16);
        e.sport = c.u16();
        e.l4proto = c.u8();
        break;
      case SCAP_FD.UNIX_SOCK:
        e.unixSource = c.u64();
        e.unixDest = c.u64();
        e.name = c.str(4096, 'unix socket path');
        break;
      case SCAP_FD.FILE_V2:
        e.openFlags = c.u32();
        e.name = c.str(4096, 'file name');
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
        e.name = c.str(4096, 'fd name');
        break;
      default:
        // libscap keeps such an entry as UNSUPPORTED `unknown-type:[N]`; without entry lengths the rest
        // of the block cannot be read.
        e.type = SCAP_FD.UNSUPPORTED;
        e.name = `unknown-type:[${type}]`;
        if (!v2) {
          fds.push(e);
          return { tid, fds };
        }
    }
    if (v2) {
      c.pos = entryEnd;
      c.end = end;
    }
    fds.push(e);
  }
  return { tid, fds };
}
