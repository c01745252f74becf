// Socket addresses: the text of sockaddr and socktuple parameters (how sinsp names sockets), and setting a
// socket fd's two ends from a tuple.

import { SCAP_FD } from '../fdlist.js';
import { PPM } from '../tables/defines.js';
import { type FdInfo, ipv6Text, isIpv4MappedIpv6 } from './fd.js';

const AF_UNIX = PPM.AF_UNIX;
const AF_INET = PPM.AF_INET;
const AF_INET6 = PPM.AF_INET6;

/** The rendered form of a sockaddr parameter (bind names its socket with it). */
export function sockaddrText(b: Buffer): string {
  const fam = b[0];
  if (fam === AF_INET && b.length >= 7) return `${ipv4Text4(b, 1)}:${b.readUInt16LE(5)}`;
  if (fam === AF_INET6 && b.length >= 19) {
    if (isIpv4MappedIpv6(b, 1)) return `${ipv4Text4(b, 13)}:${b.readUInt16LE(17)}`;
    return `${ipv6Of(b, 1)}:${b.readUInt16LE(17)}`;
  }
  if (fam === AF_UNIX) return cstr(b, 1);
  return `family ${fam ?? 0}`;
}

/** The rendered form of a socktuple parameter (accept and read/write name their sockets with it). */
export function socktupleText(b: Buffer): string {
  const fam = b[0];
  if (fam === AF_INET && b.length >= 13) {
    return `${ipv4Text4(b, 1)}:${b.readUInt16LE(5)}->${ipv4Text4(b, 7)}:${b.readUInt16LE(11)}`;
  }
  if (fam === AF_INET6 && b.length >= 37) {
    if (isIpv4MappedIpv6(b, 1) && isIpv4MappedIpv6(b, 19)) {
      return `${ipv4Text4(b, 13)}:${b.readUInt16LE(17)}->${ipv4Text4(b, 31)}:${b.readUInt16LE(35)}`;
    }
    return `${ipv6Of(b, 1)}:${b.readUInt16LE(17)}->${ipv6Of(b, 19)}:${b.readUInt16LE(35)}`;
  }
  if (fam === AF_UNIX && b.length >= 17) {
    const src = b.readBigUInt64LE(1).toString(16);
    const dst = b.readBigUInt64LE(9).toString(16);
    return `${src}->${dst} ${cstr(b, 17)}`;
  }
  return `family ${fam ?? 0}`;
}

function ipv4Text4(b: Buffer, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function ipv6Of(b: Buffer, o: number): string {
  return ipv6Text(b.subarray(o, o + 16));
}

export function cstr(b: Buffer, o: number): string {
  const nul = b.indexOf(0, o);
  return b.toString('utf8', o, nul < 0 ? b.length : nul);
}

/** Sets a connected socket's ends; false when the tuple is the one already known (either way round). */
export function setV4(fd: FdInfo, sip: number, sport: number, dip: number, dport: number, overwriteDest: boolean): boolean {
  if (fd.type === SCAP_FD.IPV4_SOCK) {
    if (
      (sip === fd.sip && sport === fd.sport && dip === fd.dip && dport === fd.dport) ||
      (dip === fd.sip && dport === fd.sport && sip === fd.dip && sport === fd.dport)
    ) {
      return false;
    }
  }
  let changed = false;
  if (fd.sip !== sip) {
    fd.sip = sip;
    changed = true;
  }
  if (fd.sport !== sport) {
    fd.sport = sport;
    changed = true;
  }
  if (fd.dip === 0 || (overwriteDest && fd.dip !== dip)) {
    fd.dip = dip;
    changed = true;
  }
  if (fd.dport === 0 || (overwriteDest && fd.dport !== dport)) {
    fd.dport = dport;
    changed = true;
  }
  return changed;
}

export function setV6(fd: FdInfo, sip: Buffer, sport: number, dip: Buffer, dport: number, overwriteDest: boolean): boolean {
  const cs = fd.sip6;
  const cd = fd.dip6;
  if (fd.type === SCAP_FD.IPV6_SOCK && cs !== null && cd !== null) {
    if (
      (sip.equals(cs) && sport === fd.sport && dip.equals(cd) && dport === fd.dport) ||
      (dip.equals(cs) && dport === fd.sport && sip.equals(cd) && sport === fd.dport)
    ) {
      return false;
    }
  }
  let changed = false;
  if (cs === null || !cs.equals(sip)) {
    fd.sip6 = Buffer.from(sip);
    changed = true;
  }
  if (fd.sport !== sport) {
    fd.sport = sport;
    changed = true;
  }
  const dipEmpty = cd === null || cd.every((x) => x === 0);
  if (dipEmpty || (overwriteDest && !cd!.equals(dip))) {
    fd.dip6 = Buffer.from(dip);
    changed = true;
  }
  if (fd.dport === 0 || (overwriteDest && fd.dport !== dport)) {
    fd.dport = dport;
    changed = true;
  }
  return changed;
}

/** Swaps a socket's source and destination (a server side seen as the client, or the reverse). */
export function swapEnds(fd: FdInfo): void {
  if (fd.type === SCAP_FD.IPV4_SOCK) {
    const ip = fd.sip;
    fd.sip = fd.dip;
    fd.dip = ip;
  } else {
    const ip = fd.sip6;
    fd.sip6 = fd.dip6;
    fd.dip6 = ip;
  }
  const port = fd.sport;
  fd.sport = fd.dport;
  fd.dport = port;
}
