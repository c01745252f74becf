import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError, RetryableError, type Output, type OutputContext } from '../../outputs/output.js';
import { webhookOutput } from '../../outputs/webhook.js';
import type { Alert } from '../../src/alert.js';
import { loadConfig, sectionValues } from '../../src/config/loader.js';
import { allSections } from '../../src/config/sections.js';
import { HAVE_OPENSSL, makePki, type TestPki } from '../helpers/certs.js';
import { HttpSink } from '../peers/http-sink.js';

function anAlert(n: number): Alert {
  return {
    uuid: `u-${n}`, time: '2026-11-29T01:02:03.123456789Z', rule: `rule ${n}`, priority: 'Warning', source: 'syscall',
    output: `output ${n}`, output_fields: { n }, tags: ['t'], hostname: 'h',
  };
}

const noTls = { certFile: '', keyFile: '', mutualCaCertFile: '', caCertFile: '' };

/** The output as saker builds it: values resolved from the environment through the config loader. */
function webhookFrom(env: Record<string, string>, clientTls = noTls): Output {
  const config = loadConfig({ env, sections: allSections() });
  const values = sectionValues(config, 'webhook');
  const ctx: OutputContext = { logger: pino({ level: 'silent' }), hostname: 'h', timeoutMs: 2000, clientTls };
  return webhookOutput.create(values, ctx);
}

function send(output: Output, alerts: Alert[]): Promise<void> {
  return output.send(alerts, { attempt: 1, signal: new AbortController().signal });
}

const outputs: Output[] = [];
afterEach(async () => {
  while (outputs.length) await outputs.pop()!.close();
});
function track(o: Output): Output {
  outputs.push(o);
  return o;
}

describe('webhook over HTTP', () => {
  let sink: HttpSink;
  beforeAll(async () => {
    sink = await HttpSink.start();
  });
  afterAll(async () => sink.close());
  afterEach(() => {
    sink.requests.length = 0;
    sink.answers = [];
    sink.fallback = { status: 200 };
  });

  it('posts one alert as a JSON object, with the custom headers (as Falcosidekick does)', async () => {
    const out = track(webhookFrom({ WEBHOOK_ADDRESS: sink.url('/hook?x=1'), WEBHOOK_CUSTOMHEADERS: 'Authorization:Bearer s3cret,X-Team:sec' }));
    expect(out.maxBatch).toBe(1);
    await send(out, [anAlert(1)]);
    const [req] = sink.requests;
    expect(req).toMatchObject({ method: 'POST', url: '/hook?x=1' });
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['authorization']).toBe('Bearer s3cret');
    expect(req!.headers['x-team']).toBe('sec');
    expect(req!.json).toEqual(anAlert(1));
  });

  it('sends arrays with batchsize > 1, with the configured method', async () => {
    const out = track(webhookFrom({ WEBHOOK_ADDRESS: sink.url(), WEBHOOK_BATCHSIZE: '10', WEBHOOK_METHOD: 'put' }));
    expect(out.maxBatch).toBe(10);
    await send(out, [anAlert(1), anAlert(2)]);
    await send(out, [anAlert(3)]);
    expect(sink.requests.map((r) => r.method)).toEqual(['PUT', 'PUT']);
    expect(sink.requests.map((r) => r.json)).toEqual([[anAlert(1), anAlert(2)], [anAlert(3)]]);
  });

  it('sends a large batch, written in pieces, as one intact JSON array with the right length', async () => {
    const out = track(webhookFrom({ WEBHOOK_ADDRESS: sink.url(), WEBHOOK_BATCHSIZE: '1000' }));
    const batch = Array.from({ length: 300 }, (_, i) => ({ ...anAlert(i), output: `é ${'x'.repeat(1000)} ${i}` }));
    await send(out, batch);
    const [req] = sink.requests;
    expect(Number(req!.headers['content-length'])).toBe(Buffer.byteLength(req!.body));
    expect(req!.json).toEqual(batch);
  });

  it('classifies answers: 5xx and 429 retryable (with Retry-After), other 4xx permanent', async () => {
    const out = track(webhookFrom({ WEBHOOK_ADDRESS: sink.url() }));
    sink.answers = [{ status: 503, body: 'down' }, { status: 429, headers: { 'retry-after': '7' } }, { status: 404, body: 'no such hook' }];
    const e1 = await send(out, [anAlert(1)]).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(RetryableError);
    expect((e1 as Error).message).toBe('webhook answered HTTP 503: down');
    const e2 = await send(out, [anAlert(1)]).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(RetryableError);
    expect((e2 as RetryableError).retryAfterMs).toBe(7000);
    const e3 = await send(out, [anAlert(1)]).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(PermanentError);
    expect((e3 as Error).message).toBe('webhook answered HTTP 404: no such hook');
  });

  it('treats a refused connection as retryable', async () => {
    const closed = await HttpSink.start();
    const url = closed.url();
    await closed.close();
    const out = track(webhookFrom({ WEBHOOK_ADDRESS: url }));
    const err = await send(out, [anAlert(1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/^webhook: .*ECONNREFUSED/);
  });

  it('aborts the request when the signal fires', async () => {
    const out = track(webhookFrom({ WEBHOOK_ADDRESS: sink.url() }));
    sink.answers = [{ hang: true }];
    const controller = new AbortController();
    const sending = out.send([anAlert(1)], { attempt: 1, signal: controller.signal });
    await sink.waitForRequests(1);
    controller.abort();
    await expect(sending).rejects.toThrow(/abort/i);
  });

  it('refuses bad addresses at start-up, naming the key without echoing the secret URL', () => {
    expect(() => webhookFrom({ WEBHOOK_ADDRESS: 'not a url with password' })).toThrow('webhook.address: not a URL; write http://host:port/path or https://…');
    expect(() => webhookFrom({ WEBHOOK_ADDRESS: 'ftp://x/y' })).toThrow('webhook.address: the scheme must be http or https, not ftp');
  });
});

describe.skipIf(!HAVE_OPENSSL)('webhook over HTTPS (needs the openssl command)', () => {
  let pki: TestPki;
  let sink: HttpSink;
  let mtlsSink: HttpSink;
  beforeAll(async () => {
    pki = makePki();
    const tls = { cert: pki.read(pki.serverCertFile), key: pki.read(pki.serverKeyFile) };
    sink = await HttpSink.start({ tls });
    mtlsSink = await HttpSink.start({ tls: { ...tls, ca: pki.read(pki.caFile), requestCert: true } });
  });
  afterAll(async () => {
    await sink?.close();
    await mtlsSink?.close();
  });

  it('verifies the certificate against tlsclient.cacertfile', async () => {
    const out = track(webhookFrom({ WEBHOOK_ADDRESS: sink.url() }, { ...noTls, caCertFile: pki.caFile }));
    await send(out, [anAlert(1)]);
    expect(sink.requests.at(-1)!.json).toEqual(anAlert(1));
  });

  it('fails permanently on an untrusted certificate, and skips the check with checkcert: false', async () => {
    const strict = track(webhookFrom({ WEBHOOK_ADDRESS: sink.url() }));
    const err = await send(strict, [anAlert(1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toContain('trust the server\'s CA with tlsclient.cacertfile, or set checkcert: false');
    const lax = track(webhookFrom({ WEBHOOK_ADDRESS: sink.url(), WEBHOOK_CHECKCERT: 'false' }));
    await send(lax, [anAlert(2)]);
    expect(sink.requests.at(-1)!.json).toEqual(anAlert(2));
  });

  it('presents the mutualtlsclient certificate with mutualtls: true', async () => {
    const files = { certFile: pki.clientCertFile, keyFile: pki.clientKeyFile, mutualCaCertFile: pki.caFile, caCertFile: '' };
    const without = track(webhookFrom({ WEBHOOK_ADDRESS: mtlsSink.url() }, files));
    await expect(send(without, [anAlert(1)])).rejects.toThrow();
    const withCert = track(webhookFrom({ WEBHOOK_ADDRESS: mtlsSink.url(), WEBHOOK_MUTUALTLS: 'true' }, files));
    await send(withCert, [anAlert(2)]);
    expect(mtlsSink.requests.at(-1)).toMatchObject({ clientCertCN: 'saker-client', json: anAlert(2) });
  });

  it('needs the client certificate files for mutualtls', () => {
    expect(() => webhookFrom({ WEBHOOK_ADDRESS: mtlsSink.url(), WEBHOOK_MUTUALTLS: 'true' })).toThrow(
      'webhook.mutualtls: needs mutualtlsclient.certfile and mutualtlsclient.keyfile',
    );
  });
});
