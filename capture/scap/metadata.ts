// Block types, and decoders for the small metadata blocks written before the events: section header,
// machine info, interface and user lists (FORMAT.md §3–§7). Process and fd lists are in proclist.ts and
// fdlist.ts. Each returns plain records; state/ loads them.

import { Cursor } from './cursor.js';

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
