// What the capture's interface list is used for: completing socket tuples with a 0.0.0.0 end, and deciding
// which end of a connection is local (fd.lip, fd.rip, …).

import type { InterfaceInfo } from '../metadata.js';
import { SCAP_FD } from '../fdlist.js';
import { type FdInfo, isZero16 } from './fd.js';

function v4(b: Buffer): number {
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

const LOOPBACK_V4 = 0x7f000001;

/** The interface address to use for an unknown end, given the known other end. */
function pickV4(interfaces: readonly InterfaceInfo[], other: number): number | undefined {
  let first: number | undefined;
  for (const i of interfaces) {
    if (i.family !== 4) continue;
    const a = v4(i.addr);
    if (a === other) return a;
  }
  for (const i of interfaces) {
    if (i.family !== 4) continue;
    const a = v4(i.addr);
    const m = v4(i.netmask);
    if ((a & m) >>> 0 === (other & m) >>> 0) return a;
  }
  for (const i of interfaces) {
    if (i.family !== 4) continue;
    const a = v4(i.addr);
    if (a !== LOOPBACK_V4 && first === undefined) first = a;
  }
  return first;
}

function pickV6(interfaces: readonly InterfaceInfo[], other: Buffer): Buffer | undefined {
  for (const i of interfaces) if (i.family === 6 && i.addr.equals(other)) return i.addr;
  for (const i of interfaces) {
    if (i.family !== 6) continue;
    let same = true;
    for (let k = 0; k < 16 && same; k++) if ((i.addr[k]! & i.netmask[k]!) !== (other[k]! & i.netmask[k]!)) same = false;
    if (same) return i.addr;
  }
  for (const i of interfaces) {
    if (i.family !== 6) continue;
    const loop = isZero16(i.addr.subarray(0, 15) as Buffer) && i.addr[15] === 1;
    if (!loop) return i.addr;
  }
  return undefined;
}

/** Fills a 0.0.0.0 (or ::) end of a connected socket with an address of this machine. */
export function completeFromInterfaces(fd: FdInfo, interfaces: readonly InterfaceInfo[]): void {
  if (fd.type === SCAP_FD.IPV4_SOCK) {
    if (fd.sip === 0 && fd.dip !== 0) {
      const a = pickV4(interfaces, fd.dip);
      if (a !== undefined && !(a === fd.dip && fd.sport === fd.dport)) fd.sip = a;
    } else if (fd.dip === 0 && fd.sip !== 0) {
      const a = pickV4(interfaces, fd.sip);
      if (a !== undefined && !(a === fd.sip && fd.sport === fd.dport)) fd.dip = a;
    }
  } else if (fd.type === SCAP_FD.IPV6_SOCK) {
    if (isZero16(fd.sip6) && fd.dip6 !== null && !isZero16(fd.dip6)) {
      const a = pickV6(interfaces, fd.dip6);
      if (a !== undefined && !(a.equals(fd.dip6) && fd.sport === fd.dport)) fd.sip6 = Buffer.from(a);
    } else if (isZero16(fd.dip6) && fd.sip6 !== null && !isZero16(fd.sip6)) {
      const a = pickV6(interfaces, fd.sip6);
      if (a !== undefined && !(a.equals(fd.sip6) && fd.sport === fd.dport)) fd.dip6 = Buffer.from(a);
    }
  }
}

/** Whether an IPv4 address belongs to this machine (an interface) or to the thread's container. */
export function isLocalV4(interfaces: readonly InterfaceInfo[], addr: number, containerIp: string): boolean {
  for (const i of interfaces) if (i.family === 4 && v4(i.addr) === addr) return true;
  if (containerIp !== '') {
    const parts = containerIp.split('.');
    if (parts.length === 4) {
      const n = ((+parts[0]! << 24) | (+parts[1]! << 16) | (+parts[2]! << 8) | +parts[3]!) >>> 0;
      if (n === addr) return true;
    }
  }
  return false;
}

export function isLocalV6(interfaces: readonly InterfaceInfo[], addr: Buffer | null): boolean {
  if (addr === null) return false;
  for (const i of interfaces) if (i.family === 6 && i.addr.equals(addr)) return true;
  return false;
}
