// Compressed bodies through real HTTP requests: gzip and deflate decoded on every route, other encodings 415,
// the body limit applied to the decoded size (a zip bomb gets 413), and no binary echoed in messages.

import { randomBytes } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alert, startTestService, type TestService } from '../helpers/service.js';

let saker: TestService;
beforeAll(async () => {
  saker = await startTestService({ env: { BODYLIMIT: '65536' } });
});
afterAll(async () => {
  await saker.stop();
});

function send(path: string, body: Buffer, headers: Record<string, string>): Promise<Response> {
  return fetch(`${saker.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
// Control characters or U+FFFD: binary data shown as text.
const BINARY = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\ufffd]/;

describe('Content-Encoding on POST /', () => {
  it('decodes gzip, x-gzip, deflate and stacked codings', async () => {
    const body = json([alert({ uuid: 'gz-1' }), alert({ uuid: 'gz-2' })]);
    for (const [encoding, encoded] of [
      ['gzip', gzipSync(body)],
      ['x-gzip', gzipSync(body)],
      ['deflate', deflateSync(body)],
      ['gzip, deflate', deflateSync(gzipSync(body))],
      ['identity', body],
    ] as const) {
      const res = await send('/', encoded, { 'content-encoding': encoding });
      expect([encoding, res.status, await res.json()]).toEqual([encoding, 200, { accepted: 2 }]);
    }
  });

  it('answers 415 for other encodings, 400 for a body that is not what its encoding says', async () => {
    const br = await send('/', json(alert()), { 'content-encoding': 'br' });
    expect(br.status).toBe(415);
    expect(await br.json()).toEqual({
      error: 'Unsupported Media Type',
      message: "content encoding 'br' is not supported; send the body uncompressed, or with gzip or deflate",
    });
    const bad = await send('/', json(alert()), { 'content-encoding': 'gzip' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe('body: not valid gzip data (Content-Encoding: gzip): incorrect header check');
  });

  it('applies the body limit to the decompressed body: a zip bomb gets 413', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)); // 50 MiB of spaces in ~50 KB
    expect(bomb.length).toBeLessThan(65536);
    const res = await send('/', bomb, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: 'Payload Too Large',
      message: 'body: larger than the limit of 65536 bytes (the limit applies to the decompressed body too)',
    });
    // The server goes on serving.
    expect((await send('/', gzipSync(json(alert())), { 'content-encoding': 'gzip' })).status).toBe(200);
  });

  it('never echoes binary: gzip sent without saying so, and random bytes, get a readable 400', async () => {
    const unsaid = await send('/', gzipSync(json(alert())), {});
    expect(unsaid.status).toBe(400);
    expect(((await unsaid.json()) as { message: string }).message).toBe('body: invalid JSON: this is gzip data; send it with Content-Encoding: gzip');
    for (let i = 0; i < 20; i++) {
      const garbage = Buffer.concat([Buffer.from('{"rule": "'), randomBytes(64)]);
      const res = await send('/', garbage, {});
      expect(res.status).toBe(400);
      const { message } = (await res.json()) as { message: string };
      expect(message).toMatch(/^body: invalid JSON: /);
      expect(message).not.toMatch(BINARY);
    }
  });
});

describe('Content-Encoding on the event routes', () => {
  it('decodes gzip on POST /events/json too', async () => {
    const res = await send('/events/json', gzipSync(json([{ service: 'a' }, { service: 'b' }])), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 2, rejected: 0 });
  });
});
