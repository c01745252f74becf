// IP addresses and networks as Falco compares them: `fd.sip = 10.0.0.1`, `fd.snet in (10.0.0.0/8)`.
// Addresses are parsed like inet_pton (no leading zeros in IPv4 parts) and compared by value, so `::1` and
// `0:0:0:0:0:0:0:1` are the same address.

export interface IpAddress {
  v6: boolean;
  /** 32-bit (IPv4) or 128-bit (IPv6) value. */
  value: bigint;
}

export interface IpNetwork {
  v6: boolean;
  base: bigint;
  bits: number;
}

export function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

export function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  let value = 0n;
  for (const g of [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail]) {
    value = (value << 16n) | BigInt(g);
  }
  return value;
}

/** An address in either family (a dot means IPv4, as libsinsp decides). */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (text.includes('.') && !text.includes(':')) {
    const value = parseIpv4(text);
    return value === undefined ? undefined : { v6: false, value };
  }
  const value = parseIpv6(text);
  return value === undefined ? undefined : { v6: true, value };
}

/** `10.0.0.0/8`, `fe80::/10`. Undefined when not a network. */
export function parseIpNetwork(text: string): IpNetwork | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIpAddress(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (!addr || !/^[0-9]{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > (addr.v6 ? 128 : 32)) return undefined;
  return { v6: addr.v6, base: addr.value, bits };
}

export function networkContains(net: IpNetwork, addr: IpAddress): boolean {
  if (net.v6 !== addr.v6) return false;
  const shift = BigInt((net.v6 ? 128 : 32) - net.bits);
  return addr.value >> shift === net.base >> shift;
}

/** A key equal for equal addresses, for Set membership. */
export function addressKey(a: IpAddress): string {
  return `${a.v6 ? 6 : 4}:${a.value}`;
}
