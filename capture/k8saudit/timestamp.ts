// Audit events carry MicroTime timestamps (`2018-10-25T14:09:12.581541Z`). The k8saudit plugin parses
// `stageTimestamp` with Go's RFC 3339 (nanosecond) layout; we accept what that layout accepts: an optional
// fraction of 1 to 9 digits and either `Z` or a `±hh:mm` offset.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** Nanoseconds since the epoch, or a reason why the text is not an RFC 3339 timestamp. */
export function parseRfc3339(text: string): bigint | string {
  const m = RFC3339.exec(text);
  if (!m) return `'${text}' is not an RFC 3339 timestamp (e.g. 2026-11-29T01:02:03.123456Z)`;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) {
    return `'${text}' is not a valid date and time`;
  }
  let offsetMinutes = 0;
  const zone = m[8]!;
  if (zone !== 'Z') {
    const hh = Number(zone.slice(1, 3));
    const mm = Number(zone.slice(4, 6));
    if (hh > 23 || mm > 59) return `'${text}' has an invalid time zone offset`;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hh * 60 + mm);
  }
  // Date.UTC reads years 0-99 as 1900-1999; shift by 400 years (a whole Gregorian cycle) to avoid that.
  const cycle = year < 100 ? 146_097 * 86_400_000 : 0;
  const ms = Date.UTC(year + (cycle ? 400 : 0), month - 1, day, hour, minute, second) - cycle - offsetMinutes * 60_000;
  const fraction = BigInt((m[7] ?? '').padEnd(9, '0'));
  return BigInt(ms) * 1_000_000n + fraction;
}
