import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpSink } from '../peers/http-sink.js';
import { alert, startTestService, type TestService } from '../helpers/service.js';

let sink: HttpSink;
let saker: TestService;

beforeAll(async () => {
  sink = await HttpSink.start();
  saker = await startTestService({
    env: {
      WEBHOOK_ADDRESS: sink.url(),
      WEBHOOK_BATCHSIZE: '50',
      WEBHOOK_BACKOFF_INITIAL: '10ms',
      BODYLIMIT: '4096',
      CUSTOMFIELDS: 'cluster:eu-1',
      CUSTOMTAGS: 'saker,shell',
    },
  });
});

afterAll(async () => {
  await saker?.stop();
  await sink?.close();
});

beforeEach(() => {
  sink.requests.length = 0;
});

async function problemsOf(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await saker.post('/', body);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('POST / with good alerts', () => {
  it('accepts one alert, answers once it is queued, and delivers it enriched and otherwise unchanged', async () => {
    const res = await saker.post('/', alert({ uuid: 'kept-uuid', extra: { kept: true } }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1 });
    await sink.waitForAlerts(1);
    const [got] = sink.alerts;
    expect(got).toEqual({
      ...alert(),
      uuid: 'kept-uuid',
      extra: { kept: true },
      output_fields: { 'user.name': 'root', 'proc.name': 'bash', cluster: 'eu-1' },
      tags: ['container', 'shell', 'saker'],
    });
  });

  it('accepts an array, fills defaults, normalises the priority and generates uuids', async () => {
    const minimal = { time: '2026-11-29T01:02:03Z', rule: 'R', priority: 'info' };
    const res = await saker.post('/', [minimal, { ...minimal, priority: 'CRITICAL', source: 'k8s_audit' }]);
    expect(await res.json()).toEqual({ accepted: 2 });
    await sink.waitForAlerts(2);
    const [a, b] = sink.alerts;
    expect(a).toMatchObject({ priority: 'Informational', source: 'syscall', output: '', tags: ['saker', 'shell'], output_fields: { cluster: 'eu-1' } });
    expect(typeof a!['hostname']).toBe('string');
    expect(a!['hostname']).not.toBe('');
    expect(b).toMatchObject({ priority: 'Critical', source: 'k8s_audit' });
    expect(a!['uuid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a!['uuid']).not.toBe(b!['uuid']);
  });

  it('accepts an empty array as zero alerts', async () => {
    expect(await problemsOf([])).toEqual({ status: 200, json: { accepted: 0 } });
  });

  it('takes JSON with a charset and +json media types', async () => {
    const res = await saker.post('/', alert(), { 'content-type': 'application/json; charset=utf-8' });
    expect(res.status).toBe(200);
    const res2 = await saker.post('/', alert(), { 'content-type': 'application/falco+json' });
    expect(res2.status).toBe(200);
  });
});

describe('POST / with bad alerts: 400 naming the field and the problem', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['a missing time', { time: undefined }, 'time: required: the event time, RFC 3339 (2026-11-29T01:02:03.123456789Z)'],
    ['a time that is not RFC 3339', { time: '29/11/2026 01:02' }, "time: '29/11/2026 01:02' is not an RFC 3339 time (2026-11-29T01:02:03.123456789Z)"],
    ['an impossible date', { time: '2026-13-29T01:02:03Z' }, "time: '2026-13-29T01:02:03Z' is not an RFC 3339 time (2026-11-29T01:02:03.123456789Z)"],
    ['a time without offset', { time: '2026-11-29T01:02:03' }, "time: '2026-11-29T01:02:03' is not an RFC 3339 time (2026-11-29T01:02:03.123456789Z)"],
    ['a numeric time', { time: 1764378123 }, 'time: expected an RFC 3339 string, got number 1764378123'],
    ['a missing rule', { rule: undefined }, 'rule: required: the name of the rule that fired'],
    ['an empty rule', { rule: '  ' }, 'rule: must not be empty'],
    ['a rule that is not text', { rule: 7 }, 'rule: expected a string, got number 7'],
    ['a missing priority', { priority: undefined }, 'priority: required: a Falco priority (Emergency … Debug)'],
    [
      'warn, which Falco does not accept',
      { priority: 'warn' },
      "priority: 'warn' is not a priority; use one of Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug (case-insensitive) or info",
    ],
    ['a numeric priority', { priority: 4 }, 'priority: expected a string, got number 4'],
    ['output_fields as an array', { output_fields: [1] }, 'output_fields: expected an object, got an array'],
    ['output that is not text', { output: { a: 1 } }, 'output: expected a string, got an object'],
    ['tags that are not an array', { tags: 'a,b' }, 'tags: expected an array of strings, got a string'],
    ['a tag that is not text', { tags: ['a', 2] }, 'tags[1]: expected a string, got number 2'],
    ['a source that is not text', { source: true }, 'source: expected a string, got boolean true'],
    ['a hostname that is not text', { hostname: 1 }, 'hostname: expected a string, got number 1'],
    ['a uuid that is not text', { uuid: 12 }, 'uuid: expected a string, got number 12'],
  ];

  it.each(cases)('%s', async (_name, change, message) => {
    const { status, json } = await problemsOf(alert(change));
    expect(status).toBe(400);
    expect(json['error']).toBe('Bad Request');
    expect(json['message']).toBe(message);
    expect(json['accepted']).toBe(0);
    const field = message.slice(0, message.indexOf(':'));
    expect(json['problems']).toEqual([{ field, problem: message.slice(field.length + 2), message }]);
  });

  it('names the index in an array, reports every problem, and still accepts the good alerts', async () => {
    const { status, json } = await problemsOf([alert({ rule: 'good-1' }), alert({ priority: 'warn' }), 'text', alert({ rule: 'good-2', time: 'x', tags: [1] })]);
    expect(status).toBe(400);
    expect(json['accepted']).toBe(1);
    expect(json['message']).toBe(
      "[1].priority: 'warn' is not a priority; use one of Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug (case-insensitive) or info (and 3 more problem(s))",
    );
    expect((json['problems'] as Array<{ message: string }>).map((p) => p.message)).toEqual([
      "[1].priority: 'warn' is not a priority; use one of Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug (case-insensitive) or info",
      '[2]: expected a Falco alert (a JSON object), got a string',
      "[3].time: 'x' is not an RFC 3339 time (2026-11-29T01:02:03.123456789Z)",
      '[3].tags[0]: expected a string, got number 1',
    ]);
    expect((json['problems'] as Array<{ index: number }>)[0]!.index).toBe(1);
    await sink.waitForAlerts(1);
    expect(sink.alerts.map((a) => a['rule'])).toEqual(['good-1']);
  });

  it('rejects bodies that are not alerts', async () => {
    expect((await problemsOf(42)).json['message']).toBe('expected a Falco alert (a JSON object), got number 42');
    expect((await problemsOf('null')).json['message']).toBe('expected a Falco alert (a JSON object), got null');
    const empty = await saker.post('/', '');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { message: string }).message).toBe('empty body: send one Falco alert (a JSON object) or an array of them');
  });

  it('rejects invalid JSON with the parser’s reason', async () => {
    const { status, json } = await problemsOf('{"rule": "R",');
    expect(status).toBe(400);
    expect(json['message']).toMatch(/^body: invalid JSON: .+/);
  });

  it('refuses __proto__ keys', async () => {
    const { status, json } = await problemsOf('{"rule":"R","output_fields":{"__proto__":{"polluted":true}}}');
    expect(status).toBe(400);
    expect(json['message']).toBe('body: keys named __proto__ are not accepted');
  });
});

describe('POST / at the edges of HTTP', () => {
  it('answers 413 over the body limit', async () => {
    const big = [alert({ output: 'x'.repeat(5000) })];
    const { status, json } = await problemsOf(big);
    expect(status).toBe(413);
    expect(json).toEqual({ error: 'Payload Too Large', message: 'body: larger than the limit of 4096 bytes' });
  });

  it('answers 415 for other content types, and for none', async () => {
    const res = await saker.post('/', alert(), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: 'Unsupported Media Type', message: "content type 'text/plain' is not supported; send application/json" });

    const port = saker.port;
    const noType = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': 2 } }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(noType.status).toBe(415);
    expect(JSON.parse(noType.body)).toEqual({ error: 'Unsupported Media Type', message: 'a content type is required; send application/json' });
  });

  it('answers 404 in the same shape for unknown routes', async () => {
    const res = await fetch(`${saker.url}/nope?x=1`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'Not Found', message: 'no route GET /nope' });
  });
});
