import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerMatcher } from '../../src/server/auth.js';
import { HAVE_OPENSSL, makePki, type TestPki } from '../helpers/certs.js';
import { alert, startTestService, type TestService } from '../helpers/service.js';

describe('bearer tokens', () => {
  let saker: TestService;
  beforeAll(async () => {
    saker = await startTestService({ env: { AUTH_TOKENS: 'first-token-123,second-token-456' } });
  });
  afterAll(async () => saker?.stop());

  it('refuses POST / without a token or with a wrong one, and accepts each configured token', async () => {
    const none = await saker.post('/', alert());
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="saker"');
    expect(await none.json()).toEqual({ error: 'Unauthorized', message: 'a valid bearer token is required (Authorization: Bearer TOKEN)' });
    expect((await saker.post('/', alert(), { authorization: 'Bearer first-token-12' })).status).toBe(401);
    expect((await saker.post('/', alert(), { authorization: 'Basic first-token-123' })).status).toBe(401);
    expect((await saker.post('/', alert(), { authorization: 'Bearer first-token-123' })).status).toBe(200);
    expect((await saker.post('/', alert(), { authorization: 'bearer second-token-456' })).status).toBe(200);
  });

  it('protects /test and the dead-letter API, but not the probes and metrics', async () => {
    expect((await saker.post('/test', '')).status).toBe(401);
    expect((await fetch(`${saker.url}/api/v1/dlq`)).status).toBe(401);
    expect((await fetch(`${saker.url}/api/v1/dlq`, { headers: { authorization: 'Bearer second-token-456' } })).status).toBe(200);
    expect((await fetch(`${saker.url}/ping`)).status).toBe(200);
    expect((await fetch(`${saker.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${saker.url}/metrics`)).status).toBe(200);
  });

  it('matches tokens exactly', () => {
    const matches = bearerMatcher(['abc-token']);
    expect(matches('Bearer abc-token')).toBe(true);
    expect(matches('Bearer abc-token2')).toBe(false);
    expect(matches('Bearer ')).toBe(false);
    expect(matches(undefined)).toBe(false);
  });
});

describe.skipIf(!HAVE_OPENSSL)('TLS and mutual TLS for the listener (needs the openssl command)', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makePki();
  });

  function get(url: string, options: https.RequestOptions): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method: 'GET', ...options }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('serves HTTPS with the configured certificate', async () => {
    const saker = await startTestService({
      env: { TLSSERVER_DEPLOY: 'true', TLSSERVER_CERTFILE: pki.serverCertFile, TLSSERVER_KEYFILE: pki.serverKeyFile },
    });
    try {
      expect(saker.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(await get(`${saker.url}/ping`, { ca: pki.read(pki.caFile) })).toEqual({ status: 200, body: 'pong\n' });
      await expect(get(`${saker.url}/ping`, { ca: pki.read(pki.otherCaFile) })).rejects.toThrow(/certificate/);
    } finally {
      await saker.stop();
    }
  });

  it('serves tlsserver.notlspaths, and only them, over plain HTTP on tlsserver.notlsport', async () => {
    const saker = await startTestService({
      env: {
        TLSSERVER_DEPLOY: 'true',
        TLSSERVER_CERTFILE: pki.serverCertFile,
        TLSSERVER_KEYFILE: pki.serverKeyFile,
        TLSSERVER_NOTLSPORT: '0',
        TLSSERVER_NOTLSPATHS: '/ping,/healthz',
      },
    });
    try {
      expect(saker.plainUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${saker.plainUrl}/healthz`)).json()).toEqual({ status: 'ok' });
      const refused = await fetch(`${saker.plainUrl}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alert()) });
      expect(refused.status).toBe(404);
      expect(await refused.json()).toEqual({ error: 'Not Found', message: '/ is served over TLS only (tlsserver.notlspaths)' });
    } finally {
      await saker.stop();
    }
  });

  it('with mutualtls, refuses clients without a certificate from the CA', async () => {
    const saker = await startTestService({
      yaml: [
        'tlsserver:',
        '  deploy: true',
        `  certfile: ${pki.serverCertFile}`,
        `  keyfile: ${pki.serverKeyFile}`,
        '  mutualtls: true',
        `  cacertfile: ${pki.caFile}`,
      ].join('\n'),
    });
    try {
      const ca = pki.read(pki.caFile);
      const ok = await get(`${saker.url}/healthz`, { ca, cert: pki.read(pki.clientCertFile), key: pki.read(pki.clientKeyFile) });
      expect(ok).toEqual({ status: 200, body: '{"status":"ok"}' });
      await expect(get(`${saker.url}/healthz`, { ca })).rejects.toThrow();
      // A certificate that does not chain to tlsserver.cacertfile is refused too.
      await expect(get(`${saker.url}/healthz`, { ca, cert: pki.read(pki.otherCaFile), key: pki.read(`${pki.dir}/other-ca.key`) })).rejects.toThrow();
    } finally {
      await saker.stop();
    }
  });
});
