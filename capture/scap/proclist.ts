// Process-list blocks (PL_V1 … PL_V9, FORMAT.md §8): one entry per thread alive when the capture started.

import { Cursor } from './cursor.js';
import { BLOCK } from './metadata.js';

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

export interface ProcessEntry {
  tid: number;
  pid: number;
  ptid: number;
  sid: number;
  vpgid: number;
  pgid: number;
  /** comm, exe, exepath, args, cwd and root, still in the block. */
  strings: ProcessStrings;
  fdlimit: number;
  flags: number;
  uid: number;
  gid: number;
  vmsizeKb: number;
  vmrssKb: number;
  vmswapKb: number;
  pfmajor: bigint;
  pfminor: bigint;
  /** NUL-separated, as stored (a view into the block); decoded when a field asks. */
  envRaw: Buffer | null;
  vtid: number;
  vpid: number;
  /** NUL-separated `subsys=path` entries as stored: bytes [cgroupsStart, cgroupsEnd) of strings.buf. */
  cgroupsStart: number;
  cgroupsEnd: number;
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

/**
 * Where an entry's strings are: they are checked when the block is read but decoded only when one of them is
 * first read (decodeProcessStrings), since most threads of a capture's process list are never looked at.
 */
export interface ProcessStrings {
  buf: Buffer;
  /** Offset of comm's length; exe, exepath (v7+), args and cwd follow it. */
  pos: number;
  /** Offset of root's length (v5+), or -1. */
  rootPos: number;
  version: number;
}

export interface DecodedProcessStrings {
  comm: string;
  exe: string;
  exepath: string;
  args: string[];
  cwd: string;
  root: string;
}

export function decodeProcessStrings(s: ProcessStrings): DecodedProcessStrings {
  // Bounds and lengths were checked by parseProcessList: this cursor cannot fail.
  const c = new Cursor(s.buf, s.pos, s.buf.length, 0, 'process list');
  const comm = c.str(1024, 'comm');
  const exe = c.str(1024, 'exe');
  const exepath = s.version >= 7 ? c.str(1024, 'exepath') : '';
  const args = c.list(4096, 'args');
  const cwd = c.str(1024, 'cwd');
  let root = '';
  if (s.rootPos >= 0) {
    c.pos = s.rootPos;
    root = c.str(1024, 'root');
  }
  return { comm, exe, exepath, args, cwd, root };
}

export function parseProcessList(
  buf: Buffer,
  start: number,
  end: number,
  base: number,
  version: number,
  /** Called with each entry; the object is reused for the next one (only `strings` and `envRaw` may be kept). */
  visit: (e: ProcessEntry) => void,
): void {
  const c = new Cursor(buf, start, end, base, `process list (v${version})`);
  const e: ProcessEntry = blankEntry();
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
    const stringsPos = c.pos;
    c.skipStr(1024, 'comm');
    c.skipStr(1024, 'exe');
    if (version >= 7) c.skipStr(1024, 'exepath');
    c.skipStr(4096, 'args');
    c.skipStr(1024, 'cwd');
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
    const envRaw = version >= 3 ? c.listBytes(4096, 'env') : null;
    let vtid = -1;
    let vpid = -1;
    let cgroupsStart = 0;
    let cgroupsEnd = 0;
    if (version >= 4) {
      vtid = c.i64();
      vpid = c.i64();
      cgroupsStart = c.pos + 2;
      c.skipStr(4096, 'cgroups');
      cgroupsEnd = c.pos;
    }
    const rootPos = version >= 5 ? c.pos : -1;
    if (version >= 5) c.skipStr(1024, 'root');
    e.tid = tid;
    e.pid = pid;
    e.ptid = ptid;
    e.sid = sid;
    e.vpgid = vpgid;
    e.strings = { buf, pos: stringsPos, rootPos, version };
    e.fdlimit = fdlimit;
    e.flags = flags;
    e.uid = uid;
    e.gid = gid;
    e.vmsizeKb = vmsizeKb;
    e.vmrssKb = vmrssKb;
    e.vmswapKb = vmswapKb;
    e.pfmajor = pfmajor;
    e.pfminor = pfminor;
    e.envRaw = envRaw;
    e.vtid = vtid;
    e.vpid = vpid;
    e.cgroupsStart = cgroupsStart;
    e.cgroupsEnd = cgroupsEnd;
    resetTail(e);
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
    visit(e);
  }
}

function blankEntry(): ProcessEntry {
  const e = {
    tid: 0,
    pid: 0,
    ptid: 0,
    sid: 0,
    vpgid: 0,
    strings: { buf: Buffer.alloc(0), pos: 0, rootPos: -1, version: 0 },
    fdlimit: 0,
    flags: 0,
    uid: 0,
    gid: 0,
    vmsizeKb: 0,
    vmrssKb: 0,
    vmswapKb: 0,
    pfmajor: 0n,
    pfminor: 0n,
    envRaw: null,
    vtid: 0,
    vpid: 0,
    cgroupsStart: 0,
    cgroupsEnd: 0,
  } as ProcessEntry; // and the tail's fields:
  resetTail(e);
  return e;
}

/** The fields of the optional PL_V9 tail (and pgid) as they are when the entry does not have them. */
function resetTail(e: ProcessEntry): void {
  e.pgid = -1;
  e.pidnsInitStartTs = 0n;
  e.tty = 0;
  e.loginuid = 0xffffffff;
  e.exeWritable = false;
  e.capInheritable = 0n;
  e.capPermitted = 0n;
  e.capEffective = 0n;
  e.exeUpperLayer = false;
  e.exeLowerLayer = false;
  e.exeFromMemfd = false;
  e.exeIno = 0n;
  e.exeInoCtime = 0n;
  e.exeInoMtime = 0n;
}
