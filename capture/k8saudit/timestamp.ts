// Audit events carry MicroTime timestamps (`2018-10-25T14:09:12.581541Z`). The k8saudit plugin parses
// `stageTimestamp` with Go's RFC 3339 (nanosecond) layout; we accept what that layout accepts: an optional
// fraction of 1 to 9 digits and either `Z` or a `±hh:mm` offset. Parsed by hand: this runs once per event.

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const NS_PER_DAY = 86_400_000_000_000n;

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** Days from 1970-01-01 to the given date (proleptic Gregorian), valid for any year. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The number written by `length` digits at `at`, or -1 when one of them is not a digit. */
function digits(text: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const SHAPE = '0000-00-00T00:00:00';

/** What a fraction of n digits is multiplied by to give nanoseconds. */
const FRACTION_SCALE = [1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 100, 10, 1];

const refused = (text: string): string => `'${text}' is not an RFC 3339 timestamp (e.g. 2026-11-29T01:02:03.123456Z)`;

/** Nanoseconds since the epoch, or a reason why the text is not an RFC 3339 timestamp. */
export function parseRfc3339(text: string): bigint | string {
  if (text.length < 20 || text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return refused(text);
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return refused(text);
  let at = SHAPE.length;
  let fraction = 0;
  let fractionDigits = 0;
  if (text[at] === '.') {
    at++;
    while (at < text.length) {
      const d = text.charCodeAt(at) - 48;
      if (d < 0 || d > 9) break;
      if (++fractionDigits > 9) return refused(text);
      fraction = fraction * 10 + d;
      at++;
    }
    if (fractionDigits === 0) return refused(text);
  }
  let offsetMinutes = 0;
  if (text[at] === 'Z' && at + 1 === text.length) {
    // UTC
  } else if ((text[at] === '+' || text[at] === '-') && at + 6 === text.length && text[at + 3] === ':') {
    const hh = digits(text, at + 1, 2);
    const mm = digits(text, at + 4, 2);
    if (hh < 0 || mm < 0) return refused(text);
    if (hh > 23 || mm > 59) return `'${text}' has an invalid time zone offset`;
    offsetMinutes = (text[at] === '-' ? -1 : 1) * (hh * 60 + mm);
  } else {
    return refused(text);
  }
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) {
    return `'${text}' is not a valid date and time`;
  }
  // The nanoseconds within the day (an offset moves them at most a day either way) are below 2^53, exact
  // as a double; the day's start is a BigInt product, made again only when the day changes.
  const nanosOfDay = ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1e9 + fraction * FRACTION_SCALE[fractionDigits]!;
  return dayStart(daysFromCivil(year, month, day)) + BigInt(nanosOfDay);
}

/** The last day dayStart was asked for, and its start: consecutive events almost always share the day. */
let lastDay = NaN;
let lastDayStart = 0n;

/** Nanoseconds since the epoch at the start of `days` days from 1970-01-01. */
function dayStart(days: number): bigint {
  if (days !== lastDay) {
    lastDayStart = BigInt(days) * NS_PER_DAY;
    lastDay = days;
  }
  return lastDayStart;
}
