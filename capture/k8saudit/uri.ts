// `ka.uri.param[KEY]`: the first value of a query parameter of `requestURI`, decoded as Go's url.Parse and
// url.ParseQuery decode it (which is what the plugin calls). Where Go reports an error — a control
// character, a bad `%` escape, a `;` separator (rejected since Go 1.17) — the plugin's extraction fails,
// so the field is missing rather than half-decoded.

const HEX = /^[0-9a-fA-F]{2}$/;

/** Go's QueryUnescape: `+` is a space, `%XX` a byte; anything else after `%` is an error (undefined). */
function queryUnescape(text: string): string | undefined {
  if (!text.includes('%') && !text.includes('+')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === '+') {
      bytes.push(0x20);
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** All parameters of a request URI in order, or undefined when Go would refuse the URI or its query. */
export function queryParameters(uri: string): Map<string, string[]> | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(uri)) return undefined;
  const hash = uri.indexOf('#');
  const withoutFragment = hash >= 0 ? uri.slice(0, hash) : uri;
  const question = withoutFragment.indexOf('?');
  const pathPart = question >= 0 ? withoutFragment.slice(0, question) : withoutFragment;
  // url.Parse validates the escapes of the path too.
  if (/%(?![0-9a-fA-F]{2})/.test(pathPart)) return undefined;
  const params = new Map<string, string[]>();
  if (question < 0) return params;
  for (const pair of withoutFragment.slice(question + 1).split('&')) {
    if (pair === '') continue;
    if (pair.includes(';')) return undefined;
    const eq = pair.indexOf('=');
    const key = queryUnescape(eq >= 0 ? pair.slice(0, eq) : pair);
    const value = queryUnescape(eq >= 0 ? pair.slice(eq + 1) : '');
    if (key === undefined || value === undefined) return undefined;
    const values = params.get(key);
    if (values) values.push(value);
    else params.set(key, [value]);
  }
  return params;
}
