// Parameter rendering as libsinsp prints it (FORMAT.md §11.3): a plain string, and for some types a
// resolved one (`O_RDONLY|O_CLOEXEC`, `<f>/etc/passwd`, `ENOENT`, an absolute path, a user name).
// `evt.arg.X` shows the resolved string when there is one.

import type { ScapEvent } from './event.js';
import { readI32, readI64, readU16, readU32 } from './event.js';
import { SCAP_FD } from './fdlist.js';
import { fdL4proto, fdTypeChar, ipv6Text, L4 } from './state/fd.js';
import { concatenatePaths } from './state/paths.js';
import { sockaddrText, socktupleText } from './state/socket-addresses.js';
import { DYNAMIC_PARAM_TABLES, FLAG_TABLES, type FlagTable } from './tables/flags.js';
import { PPM } from './tables/defines.js';
import { ERRNO_NAMES, PPM_SC_NAMES, SIGNAL_NAMES } from './tables/names.js';
import { PF, PT } from './tables/events.js';

export interface Rendered {
  plain: string;
  /** '' when the type has no resolved form or it is unknown. */
  resolved: string;
}

export function errnoName(negErr: number): string {
  return ERRNO_NAMES[-negErr] ?? '';
}

/** Renders parameter i of an event (undefined when the event has no such parameter). */
export function renderParam(ev: ScapEvent, i: number): Rendered | undefined {
  if (i >= ev.nparams) return undefined;
  const info = ev.info.params[i];
  if (info === undefined) return undefined;
  const len = ev.paramLen(i);
  let type = info.type;
  let fmt = info.fmt;
  if (len === 0) {
    const nullish =
      type === PT.PT_BYTEBUF || type === PT.PT_SOCKTUPLE || type === PT.PT_FDLIST || type === PT.PT_DYN;
    return { plain: nullish ? 'NULL' : '<NA>', resolved: '' };
  }
  let o = ev.paramOff(i);
  let n = len;
  const b = ev.buf;
  if (type === PT.PT_DYN && info.dynTable !== undefined) {
    const entry = DYNAMIC_PARAM_TABLES[info.dynTable]?.[b[o]!];
    if (entry !== undefined) {
      type = entry[0];
      fmt = info.fmt;
      o += 1;
      n -= 1;
    }
  }
  const view = b.subarray(o, o + n);
  switch (type) {
    case PT.PT_INT8:
      return num(fmt, (b[o]! << 24) >> 24, 8);
    case PT.PT_INT16:
      return num(fmt, (readU16(b, o) << 16) >> 16, 16);
    case PT.PT_INT32:
      return num(fmt, readI32(b, o), 32);
    case PT.PT_INT64:
      return big(fmt, b.readBigInt64LE(o));
    case PT.PT_UINT8:
      return num(fmt, b[o]!, 8);
    case PT.PT_UINT16:
    case PT.PT_PORT:
      return num(fmt, readU16(b, o), 16);
    case PT.PT_UINT32:
      // The decimal path prints with a signed conversion (values ≥ 2^31 come out negative).
      return fmt === PF.PF_DEC || fmt === PF.PF_ID ? plain(String(readI32(b, o))) : num(fmt, readU32(b, o), 32);
    case PT.PT_UINT64:
      return big(fmt, n >= 8 ? b.readBigInt64LE(o) : BigInt(readU32(b, o)));
    case PT.PT_ERRNO: {
      const v = n >= 8 ? readI64(b, o) : readI32(b, o);
      return { plain: String(v), resolved: v < 0 ? errnoName(v) : '' };
    }
    case PT.PT_FD:
    case PT.PT_FD32:
      return renderFd(ev, n >= 8 ? readI64(b, o) : readI32(b, o));
    case PT.PT_PID:
    case PT.PT_PID32: {
      const pid = n >= 8 ? readI64(b, o) : readI32(b, o);
      const t = ev.state?.threads.get(pid);
      return { plain: String(pid), resolved: t !== undefined ? t.comm : '' };
    }
    case PT.PT_CHARBUF:
      return plain(cstring(view));
    case PT.PT_FSPATH:
    case PT.PT_FSRELPATH:
      return renderPath(ev, i, cstring(view), type === PT.PT_FSRELPATH ? info.dirfdParam : undefined);
    case PT.PT_BYTEBUF:
      return plain(printable(view));
    case PT.PT_SOCKADDR:
      return plain(sockaddrText(view));
    case PT.PT_SOCKTUPLE:
      return plain(socktupleText(view));
    case PT.PT_FDLIST:
      return plain(fdlistText(ev, view));
    case PT.PT_SYSCALLID: {
      const sc = readU16(b, o);
      return { plain: String(sc), resolved: PPM_SC_NAMES[sc] ?? '<unknown syscall>' };
    }
    case PT.PT_SIGTYPE: {
      const s = b[o]!;
      return { plain: String(s), resolved: SIGNAL_NAMES[s] || '' };
    }
    case PT.PT_SIGSET:
      return plain(sigsetText(readU32(b, o)));
    case PT.PT_RELTIME: {
      const v = b.readBigUInt64LE(o);
      if (v === 0xffffffffffffffffn) return plain('none');
      return { plain: v.toString(), resolved: `${formatG(Number(v) / 1e9)}s` };
    }
    case PT.PT_ABSTIME:
      return plain(absTimeText(b.readBigUInt64LE(o)));
    case PT.PT_FLAGS8:
    case PT.PT_FLAGS16:
    case PT.PT_FLAGS32:
    case PT.PT_ENUMFLAGS8:
    case PT.PT_ENUMFLAGS16:
    case PT.PT_ENUMFLAGS32: {
      const v = n === 1 ? b[o]! : n === 2 ? readU16(b, o) : readU32(b, o);
      const table = info.flagsTable !== undefined ? FLAG_TABLES[info.flagsTable] : undefined;
      const exact = type === PT.PT_ENUMFLAGS8 || type === PT.PT_ENUMFLAGS16 || type === PT.PT_ENUMFLAGS32;
      return { plain: String(v), resolved: table === undefined ? '' : exact ? enumNames(table, v) : flagNames(table, v) };
    }
    case PT.PT_MODE: {
      const v = readU32(b, o);
      const table = info.flagsTable !== undefined ? FLAG_TABLES[info.flagsTable] : undefined;
      return { plain: num(fmt, v, 32).plain, resolved: table === undefined ? '' : flagNames(table, v) };
    }
    case PT.PT_UID:
    case PT.PT_GID: {
      const v = readU32(b, o);
      if (v === 0xffffffff) return { plain: '-1', resolved: '<NONE>' };
      const t = ev.thread;
      const st = ev.state;
      let name = '<NA>';
      if (t !== undefined && st !== undefined) {
        const found = type === PT.PT_UID ? st.user(t.containerId, v)?.name : st.group(t.containerId, v)?.name;
        if (found !== undefined) name = found;
      }
      return { plain: String(v), resolved: name };
    }
    case PT.PT_IPV4ADDR:
      return plain(`${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`);
    case PT.PT_IPV6ADDR:
      return plain(ipv6Text(view));
    case PT.PT_DOUBLE:
      return plain(b.readDoubleLE(o).toFixed(6));
    case PT.PT_BOOL:
      return plain(readU32(b, o) !== 0 ? 'true' : 'false');
    case PT.PT_L4PROTO:
    case PT.PT_SOCKFAMILY:
      return plain(String(b[o]));
    default:
      return plain('(n.a.)');
  }
}

function plain(s: string): Rendered {
  return { plain: s, resolved: '' };
}

/** Integer rendering by print format (%d, %X, %#o; PF_10_PADDED_DEC zero-pads to 9). */
function num(fmt: number, v: number, bits: number): Rendered {
  switch (fmt) {
    case PF.PF_HEX: {
      const u = v < 0 ? v + 2 ** bits : v;
      return plain(u.toString(16).toUpperCase());
    }
    case PF.PF_OCT: {
      const u = v < 0 ? v + 2 ** bits : v;
      return plain(u === 0 ? '0' : '0' + u.toString(8));
    }
    case PF.PF_10_PADDED_DEC:
      return plain(v < 0 ? '-' + String(-v).padStart(8, '0') : String(v).padStart(9, '0'));
    default:
      return plain(String(v));
  }
}

function big(fmt: number, v: bigint): Rendered {
  switch (fmt) {
    case PF.PF_HEX:
      return plain(BigInt.asUintN(64, v).toString(16).toUpperCase());
    case PF.PF_OCT: {
      const u = BigInt.asUintN(64, v);
      return plain(u === 0n ? '0' : '0' + u.toString(8));
    }
    case PF.PF_10_PADDED_DEC:
      return plain(v < 0n ? '-' + (-v).toString().padStart(8, '0') : v.toString().padStart(9, '0'));
    default:
      return plain(v.toString());
  }
}

function renderFd(ev: ScapEvent, fd: number): Rendered {
  const t = ev.thread;
  const st = ev.state;
  if (fd >= 0) {
    if (t === undefined || st === undefined) return plain(String(fd));
    const info = st.getFd(t, fd);
    if (info === undefined) return plain(String(fd));
    let tag = fdTypeChar(info.type);
    if (
      info.type === SCAP_FD.IPV4_SOCK ||
      info.type === SCAP_FD.IPV6_SOCK ||
      info.type === SCAP_FD.IPV4_SERVSOCK ||
      info.type === SCAP_FD.IPV6_SERVSOCK
    ) {
      const l4 = fdL4proto(info);
      tag += l4 === L4.TCP ? 't' : l4 === L4.UDP ? 'u' : l4 === L4.ICMP ? 'i' : l4 === L4.RAW ? 'r' : '';
    }
    return { plain: String(fd), resolved: `<${tag}>${info.name}` };
  }
  if (fd === PPM.AT_FDCWD) return { plain: String(fd), resolved: 'AT_FDCWD' };
  return { plain: String(fd), resolved: errnoName(fd) };
}

/** FSPATH/FSRELPATH: relative paths resolve against the cwd or the dirfd parameter's fd. */
function renderPath(ev: ScapEvent, i: number, path: string, dirfdParam: number | undefined): Rendered {
  const t = ev.thread;
  const st = ev.state;
  if (t === undefined || st === undefined || path === '<NA>' || path.startsWith('/') || path === '') {
    return plain(path);
  }
  const main = st.mainThread(t) ?? t;
  let base = main.cwd;
  if (dirfdParam !== undefined && dirfdParam < ev.nparams && ev.info.params[dirfdParam]?.type === PT.PT_FD) {
    const dirfd = ev.int(dirfdParam);
    if (dirfd !== undefined && dirfd !== PPM.AT_FDCWD) {
      const fd = st.getFd(t, dirfd);
      base = fd === undefined || fd.name === '' ? '' : fd.name + '/';
    }
  }
  void i;
  return { plain: path, resolved: concatenatePaths(base, path) };
}

/** A NUL-terminated (or length-bounded) string, `(NULL)` shown as `<NA>`. */
export function cstring(b: Buffer): string {
  let end = b.indexOf(0);
  if (end < 0) end = b.length;
  const s = b.toString('utf8', 0, end);
  return s === '(NULL)' ? '<NA>' : s;
}

/** BYTEBUF: printable ASCII kept, every other byte shown as `.`. */
export function printable(b: Uint8Array): string {
  let out = '';
  for (let k = 0; k < b.length; k++) {
    const c = b[k]!;
    out += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return out;
}

function fdlistText(ev: ScapEvent, b: Buffer): string {
  if (b.length < 2) return '';
  const count = readU16(b, 0);
  const parts: string[] = [];
  const t = ev.thread;
  const st = ev.state;
  for (let k = 0, o = 2; k < count && o + 10 <= b.length; k++, o += 10) {
    const fd = readI64(b, o);
    const flags = b.readInt16LE(o + 8);
    const info = t !== undefined && st !== undefined ? st.getFd(t, fd) : undefined;
    const ch = info !== undefined ? fdTypeChar(info.type) : '?';
    parts.push(`${fd}:${ch}${(flags >>> 0).toString(16)}`);
  }
  return parts.join(' ');
}

function sigsetText(v: number): string {
  const names: string[] = [];
  for (let sig = 0; sig < 32; sig++) {
    if (v & (1 << sig)) {
      const n = SIGNAL_NAMES[sig + 1];
      if (n) names.push(n);
    }
  }
  return names.join(' ');
}

/** Flag names in table order, bits removed as they match; stops after the entry equal to the value. */
export function flagNames(table: FlagTable, value: number): string {
  const out: string[] = [];
  let rest = value >>> 0;
  for (const [name, v] of table) {
    if (v === value) {
      out.push(name);
      break;
    }
    if ((v === 0 && value === 0) || (v !== 0 && rest !== 0 && (rest & v) >>> 0 === v)) {
      out.push(name);
      rest = (rest & ~v) >>> 0;
    }
  }
  return out.join('|');
}

/** Enum names: every entry equal to the value. */
export function enumNames(table: FlagTable, value: number): string {
  const out: string[] = [];
  for (const [name, v] of table) if (v === value) out.push(name);
  return out.join('|');
}

/** printf's %g with 6 significant digits. */
function formatG(x: number): string {
  if (x === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= 6) {
    const s = x.toExponential(5).replace(/\.?0+e/, 'e');
    return s.replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(Number(x.toPrecision(6)));
}

/** `YYYY-MM-DD HH:MM:SS.nnnnnnnnn +ZZZZ` in the local time zone. */
export function absTimeText(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const d = new Date(ms);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${(ns % 1_000_000_000n).toString().padStart(9, '0')} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}
