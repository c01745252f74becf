// Falco writes times with nanoseconds (`2026-11-29T01:02:03.123456789Z`); peers want fewer digits (RFC 5424
// allows six, JavaScript's Date three). These helpers cut the fraction without rounding into the next second.

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/** The alert time with at most `digits` fractional digits; now (UTC) when the text is not RFC 3339. */
export function withFraction(time: string, digits: number): string {
  const m = RFC3339.exec(time);
  if (!m) return withFraction(new Date().toISOString(), digits);
  const fraction = m[3] ? m[3].slice(0, digits) : '';
  const zone = m[4]!.toUpperCase();
  return `${m[1]}T${m[2]}${fraction && digits > 0 ? `.${fraction}` : ''}${zone}`;
}

/** Milliseconds since the epoch; now when the text is not RFC 3339. */
export function epochMs(time: string): number {
  const ms = Date.parse(withFraction(time, 3));
  return Number.isNaN(ms) ? Date.now() : ms;
}

/** `2026-11-29T01:02:03.123Z`: the UTC instant with milliseconds, as Elasticsearch and Date write it. */
export function isoMillis(time: string): string {
  const m = RFC3339.exec(time);
  // Already UTC (what Falco writes): cut the text, which is several times faster than a round trip through Date.
  if (m && (m[4] === 'Z' || m[4] === 'z')) return `${m[1]}T${m[2]}.${(m[3] ?? '').slice(0, 3).padEnd(3, '0')}Z`;
  return new Date(epochMs(time)).toISOString();
}
