// A small .scap writer for tests: builds the blocks of FORMAT.md so that tests can state exactly which
// events a capture holds (the corpus captures cover the common paths; these cover the rest).

import { EVENT_TABLE, PT, PT_SIZE } from '../../../capture/scap/tables/events.js';

function block(type: number, body: Buffer): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const total = 12 + body.length + pad;
  const b = Buffer.alloc(total);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(total, 4);
  body.copy(b, 8);
  b.writeUInt32LE(total, total - 4);
  return b;
}

function u16str(s: string): Buffer {
  const v = Buffer.from(s, 'utf8');
  const b = Buffer.alloc(2 + v.length);
  b.writeUInt16LE(v.length, 0);
  v.copy(b, 2);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}
function u64(n: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(n), 0);
  return b;
}
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n, 0);
  return b;
}

export function sectionHeader(options?: Buffer): Buffer {
  const body = Buffer.concat([u32(0x1a2b3c4d), u16(1), u16(2), u64(-1), options ?? Buffer.alloc(0)]);
  return block(0x0a0d0d0a, body);
}

export function machineInfo(hostname = 'test-host', bootTs = 0n): Buffer {
  const host = Buffer.alloc(128);
  host.write(hostname);
  return block(0x201, Buffer.concat([u32(2), u64(1 << 30), u64(32768), host, u64(bootTs), u64(0), u64(0), u64(0)]));
}

export function interfaceList(v4: Array<{ name: string; addr: [number, number, number, number]; mask?: number }>): Buffer {
  const entries = v4.map((i) => {
    const name = Buffer.from(i.name);
    const entry = Buffer.concat([
      u16(3),
      u16(name.length),
      Buffer.from(i.addr),
      u32(i.mask ?? 0x00ffffff),
      Buffer.from([0, 0, 0, 0]),
      name,
    ]);
    return Buffer.concat([u32(entry.length), entry]);
  });
  return block(0x219, Buffer.concat(entries));
}

export function userList(users: Array<{ uid: number; gid: number; name: string }>, groups: Array<{ gid: number; name: string }>): Buffer {
  const parts: Buffer[] = [];
  for (const u of users) {
    const e = Buffer.concat([Buffer.from([0]), u32(u.uid), u32(u.gid), u16str(u.name), u16str('/home/' + u.name), u16str('/bin/sh')]);
    parts.push(u32(e.length + 4), e);
  }
  for (const g of groups) {
    const e = Buffer.concat([Buffer.from([1]), u32(g.gid), u16str(g.name)]);
    parts.push(u32(e.length + 4), e);
  }
  return block(0x220, Buffer.concat(parts));
}

export interface Proc {
  tid: number;
  pid?: number;
  ptid: number;
  comm: string;
  exe?: string;
  exepath?: string;
  args?: string[];
  cwd?: string;
  uid?: number;
  gid?: number;
  flags?: number;
  cgroups?: string[];
  env?: string[];
  tty?: number;
  loginuid?: number;
  sid?: number;
}

function nulList(items: string[]): Buffer {
  return Buffer.from(items.map((s) => s + '\0').join(''), 'utf8');
}

export function processList(procs: Proc[]): Buffer {
  const entries = procs.map((p) => {
    const args = nulList(p.args ?? []);
    const env = nulList(p.env ?? []);
    const cg = nulList(p.cgroups ?? []);
    const body = Buffer.concat([
      u64(p.tid),
      u64(p.pid ?? p.tid),
      u64(p.ptid),
      u64(p.sid ?? 0),
      u64(0),
      u16str(p.comm),
      u16str(p.exe ?? p.comm),
      u16str(p.exepath ?? '/usr/bin/' + p.comm),
      u16(args.length),
      args,
      u16str(p.cwd ?? '/'),
      u64(1024),
      u32(p.flags ?? 0),
      u32(p.uid ?? 0),
      u32(p.gid ?? 0),
      u32(0),
      u32(0),
      u32(0),
      u64(0),
      u64(0),
      u16(env.length),
      env,
      u64(p.tid),
      u64(p.pid ?? p.tid),
      u16(cg.length),
      cg,
      u16str('/'),
      u64(0),
      u32(p.tty ?? 0),
      u32(p.loginuid ?? 0xffffffff),
      Buffer.from([0]),
      u64(0),
      u64(0),
      u64(0),
      Buffer.from([0]),
      u64(0),
      u64(0),
      u64(0),
      Buffer.from([0, 0]),
      u64(-1),
    ]);
    return Buffer.concat([u32(body.length + 4), body]);
  });
  return block(0x215, Buffer.concat(entries));
}

export type FdSpec =
  | { fd: number; file: string; flags?: number }
  | { fd: number; dir: string }
  | { fd: number; tcp4: { sip: number[]; sport: number; dip: number[]; dport: number } }
  | { fd: number; listen4: { ip: number[]; port: number } };

export function fdList(tid: number, fds: FdSpec[]): Buffer {
  const entries = fds.map((f) => {
    let data: Buffer;
    if ('file' in f) data = Buffer.concat([Buffer.from([16]), u32(f.flags ?? 1), u16str(f.file), u32(0)]);
    else if ('dir' in f) data = Buffer.concat([Buffer.from([2]), u16str(f.dir)]);
    else if ('tcp4' in f) {
      data = Buffer.concat([
        Buffer.from([3]),
        Buffer.from(f.tcp4.sip),
        Buffer.from(f.tcp4.dip),
        u16(f.tcp4.sport),
        u16(f.tcp4.dport),
        Buffer.from([2]),
      ]);
    } else data = Buffer.concat([Buffer.from([5]), Buffer.from(f.listen4.ip), u16(f.listen4.port), Buffer.from([2])]);
    const e = Buffer.concat([u64(f.fd), u64(0), data]);
    return Buffer.concat([u32(e.length + 4), e]);
  });
  return block(0x218, Buffer.concat([u64(tid), ...entries]));
}

/** A parameter value: raw bytes, a number (sized by the parameter type), a string (NUL-terminated), or absent. */
export type Param = Buffer | number | bigint | string | null;

function encodeParam(type: number, v: Param): Buffer {
  if (v === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v + '\0', 'utf8');
  const size = PT_SIZE[type] ?? 8;
  const b = Buffer.alloc(size || 8);
  const big = BigInt(v);
  if (size === 1) b.writeUInt8(Number(BigInt.asUintN(8, big)), 0);
  else if (size === 2) b.writeUInt16LE(Number(BigInt.asUintN(16, big)), 0);
  else if (size === 4) b.writeUInt32LE(Number(BigInt.asUintN(32, big)), 0);
  else b.writeBigUInt64LE(BigInt.asUintN(64, big), 0);
  return b;
}

/** An EV_V2 block for event `type` with its parameters in table order. */
export function event(type: number, ts: bigint, tid: number, params: Param[]): Buffer {
  const info = EVENT_TABLE[type]!;
  const enc = params.map((p, i) => encodeParam(info.params[i]?.type ?? PT.PT_BYTEBUF, p));
  const lenSize = info.lenSize;
  const lens = Buffer.alloc(enc.length * lenSize);
  enc.forEach((e, i) => (lenSize === 2 ? lens.writeUInt16LE(e.length, 2 * i) : lens.writeUInt32LE(e.length, 4 * i)));
  const total = 26 + lens.length + enc.reduce((n, e) => n + e.length, 0);
  const head = Buffer.alloc(26);
  head.writeBigUInt64LE(ts, 0);
  head.writeBigInt64LE(BigInt(tid), 8);
  head.writeUInt32LE(total, 16);
  head.writeUInt16LE(type, 20);
  head.writeUInt32LE(enc.length, 22);
  return block(0x216, Buffer.concat([u16(0), head, lens, ...enc]));
}

/** An EV (v1 header, no nparams) block. */
export function eventV1(type: number, ts: bigint, tid: number, params: Param[]): Buffer {
  const info = EVENT_TABLE[type]!;
  const enc = params.map((p, i) => encodeParam(info.params[i]?.type ?? PT.PT_BYTEBUF, p));
  const lens = Buffer.alloc(enc.length * 2);
  enc.forEach((e, i) => lens.writeUInt16LE(e.length, 2 * i));
  const total = 22 + lens.length + enc.reduce((n, e) => n + e.length, 0);
  const head = Buffer.alloc(22);
  head.writeBigUInt64LE(ts, 0);
  head.writeBigInt64LE(BigInt(tid), 8);
  head.writeUInt32LE(total, 16);
  head.writeUInt16LE(type, 20);
  return block(0x204, Buffer.concat([u16(0), head, lens, ...enc]));
}

export function rawBlock(type: number, body: Buffer): Buffer {
  return block(type, body);
}

/** IPv4 socket tuple / address parameters. */
export function tuple4(sip: number[], sport: number, dip: number[], dport: number): Buffer {
  return Buffer.concat([Buffer.from([2]), Buffer.from(sip), u16(sport), Buffer.from(dip), u16(dport)]);
}
export function addr4(ip: number[], port: number): Buffer {
  return Buffer.concat([Buffer.from([2]), Buffer.from(ip), u16(port)]);
}

/** A whole capture: metadata then events. */
export function capture(parts: {
  procs?: Proc[];
  fds?: Array<[number, FdSpec[]]>;
  users?: Array<{ uid: number; gid: number; name: string }>;
  groups?: Array<{ gid: number; name: string }>;
  interfaces?: Array<{ name: string; addr: [number, number, number, number] }>;
  events: Buffer[];
}): Buffer {
  return Buffer.concat([
    sectionHeader(),
    machineInfo(),
    interfaceList(parts.interfaces ?? [{ name: 'eth0', addr: [10, 0, 0, 5] }]),
    userList(parts.users ?? [{ uid: 0, gid: 0, name: 'root' }], parts.groups ?? [{ gid: 0, name: 'root' }]),
    processList(parts.procs ?? []),
    ...(parts.fds ?? []).map(([tid, fds]) => fdList(tid, fds)),
    ...parts.events,
  ]);
}
