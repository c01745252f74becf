// Passwords written into URLs (`http://elastic:pw@es:9200`, `redis://:pw@redis:6379`) must not reach the logs
// or error messages, whichever setting, library or message they turn up in. The user name stays: it says which
// account is used, which is what someone reading the log needs.

export const URL_PASSWORD_MASK = '***';

// scheme://user:password@ — the authority ends at the first '/', '?', '#' (RFC 3986), and the password at its
// last '@', so that a raw '@' that should have been %40 is hidden too. Quotes and white space end it as well:
// the URL is then inside a JSON line or a message (`got 'http://a:p@h', expected …`). The URLs of a
// comma-separated list (`http://a:p@h1,http://b:q@h2`) stay apart because each starts with '//'.
const USERINFO_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"'`<>\\]*):([^\s/?#"'`<>\\]+)@/gi;

/** The text with the password of every URL in it replaced by `***` (`http://elastic:***@es:9200`). */
export function redactUrlPasswords(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(USERINFO_PASSWORD, `$1:${URL_PASSWORD_MASK}@`);
}

/** Every string inside a setting's value (lists, maps) with its URL passwords redacted. */
export function redactUrlPasswordsIn(value: unknown): unknown {
  if (typeof value === 'string') return redactUrlPasswords(value);
  if (Array.isArray(value)) return value.map(redactUrlPasswordsIn);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactUrlPasswordsIn(v)]));
  }
  return value;
}
