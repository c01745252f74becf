import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { attemptDelivery } from '../../src/queue/delivery.js';
import { elasticsearch } from '../../outputs/elasticsearch.js';
import type { Output } from '../../outputs/output.js';
import { ElasticsearchPeer } from '../peers/elasticsearch.js';
import { build, captureLogger, makeAlert, policy } from './helpers.js';

const signal = () => new AbortController().signal;
let peer: ElasticsearchPeer;
const opened: Output[] = [];
beforeAll(async () => {
  peer = await ElasticsearchPeer.start();
});
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
  await peer.close();
});
beforeEach(() => {
  peer.indices.clear();
  peer.templates.clear();
  peer.requests.length = 0;
  peer.judgeItem = () => undefined;
});

function output(values: Record<string, unknown> = {}, logger?: import('pino').Logger): Output {
  const out = build(elasticsearch, { hostport: peer.url, ...values }, { logger });
  opened.push(out);
  return out;
}

describe('elasticsearch (bulk API through @elastic/elasticsearch 8)', () => {
  it('bulk-creates one document per alert, _id = uuid, in the index of the alert\'s own day', async () => {
    const alerts = [makeAlert({ uuid: 'a1' }), makeAlert({ uuid: 'a2', time: '2026-12-31T23:59:59.999999999Z' })];
    const outcome = await attemptDelivery({ output: output(), policy: policy() }, alerts, 1);
    expect(outcome.delivered).toHaveLength(2);
    const bulk = peer.requests.find((r) => r.path.startsWith('/_bulk'))!;
    expect(bulk.headers['content-type']).toMatch(/ndjson/);
    expect(new URL(bulk.path, 'http://x').searchParams.get('filter_path')).toBe('errors,items.*.status,items.*._index,items.*.error');
    const lines = bulk.body.toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines[0]).toEqual({ create: { _index: 'falco-2026.11.29', _id: 'a1' } });
    expect(lines[2]).toEqual({ create: { _index: 'falco-2026.12.31', _id: 'a2' } });
    expect(peer.doc('falco-2026.11.29', 'a1')).toEqual({ '@timestamp': '2026-11-29T01:02:03.123Z', ...makeAlert({ uuid: 'a1' }) });
  });

  it('names indexes by month, year, or not at all', async () => {
    for (const [suffix, index] of [['monthly', 'alerts-2026.11'], ['annually', 'alerts-2026'], ['none', 'alerts']] as const) {
      await output({ index: 'alerts', suffix }).send([makeAlert({ uuid: suffix })], { attempt: 1, signal: signal() });
      expect(peer.doc(index, suffix)).toBeDefined();
    }
  });

  it('never duplicates a retried batch: a second create of the same uuid counts as delivered', async () => {
    const out = output();
    const alerts = [makeAlert({ uuid: 'r1' }), makeAlert({ uuid: 'r2' })];
    await out.send(alerts, { attempt: 1, signal: signal() });
    const again = await attemptDelivery({ output: out, policy: policy() }, [...alerts, makeAlert({ uuid: 'r3' })], 2);
    expect(again.delivered.map((a) => a.uuid)).toEqual(['r1', 'r2', 'r3']);
    expect(peer.indices.get('falco-2026.11.29')!.size).toBe(3);
  });

  it('retries only the failed retryable items and dead-letters the rejected ones with their reason', async () => {
    peer.judgeItem = ({ _id }) =>
      _id === 'busy'
        ? { status: 429, type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' }
        : _id === 'bad'
          ? { status: 400, type: 'document_parsing_exception', reason: '[1:200] failed to parse field [output_fields.evt.time] of type [date]' }
          : undefined;
    const alerts = [makeAlert({ uuid: 'ok1' }), makeAlert({ uuid: 'busy' }), makeAlert({ uuid: 'bad' }), makeAlert({ uuid: 'ok2' })];
    const outcome = await attemptDelivery({ output: output(), policy: policy() }, alerts, 1);
    expect(outcome.delivered.map((a) => a.uuid)).toEqual(['ok1', 'ok2']);
    expect(outcome.retry?.alerts.map((a) => a.uuid)).toEqual(['busy']);
    expect(outcome.retry?.error).toBe('Elasticsearch, for the document in falco-2026.11.29, answered HTTP 429: es_rejected_execution_exception: rejected execution of coordinating operation');
    expect(outcome.dead).toEqual([
      {
        alert: alerts[2],
        error: 'Elasticsearch, for the document in falco-2026.11.29, answered HTTP 400: document_parsing_exception: [1:200] failed to parse field [output_fields.evt.time] of type [date]',
      },
    ]);
  });

  it('retries a whole-request 429 after its Retry-After and a 503; dead-letters a 401 and a 400', async () => {
    const out = output();
    peer.answerNext({ status: 429, headers: { 'retry-after': '4' }, body: { error: { type: 'circuit_breaking_exception', reason: 'Data too large' }, status: 429 } });
    const limited = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(limited.retry?.delayMs).toBe(4000);
    expect(limited.retry?.error).toBe('Elasticsearch bulk answered HTTP 429: circuit_breaking_exception: Data too large');
    peer.answerNext({ status: 503, body: { error: { type: 'cluster_block_exception', reason: 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered]' }, status: 503 } });
    expect((await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1)).retry?.error).toMatch(/HTTP 503: cluster_block_exception/);
    peer.answerNext({ status: 401, body: { error: { type: 'security_exception', reason: 'unable to authenticate user' }, status: 401 } });
    expect((await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1)).dead[0]?.error).toBe(
      'Elasticsearch bulk answered HTTP 401: security_exception: unable to authenticate user',
    );
  });

  it('retries when the cluster cannot be reached, and refuses a server that is not Elasticsearch', async () => {
    const gone = await ElasticsearchPeer.start();
    const url = gone.url;
    await gone.close();
    const unreachable = await attemptDelivery({ output: output({ hostport: url }), policy: policy() }, [makeAlert()], 1);
    expect(unreachable.retry?.error).toMatch(/^Elasticsearch bulk: .*ECONNREFUSED/);
    peer.answerNext({ status: 200, headers: { 'x-elastic-product': 'Imposter' }, body: { errors: false, took: 1, items: [] } });
    const imposter = await attemptDelivery({ output: output(), policy: policy() }, [makeAlert()], 1);
    expect(imposter.dead[0]?.error).toMatch(/not Elasticsearch/);
  });

  it('gzips the body with enablecompression, sends the pipeline, and authenticates with an API key', async () => {
    const secured = await ElasticsearchPeer.start({ authorization: 'ApiKey c2VjcmV0LWFwaS1rZXk=' });
    const { logger, lines } = captureLogger();
    const out = build(elasticsearch, { hostport: secured.url, enablecompression: true, pipeline: 'falco-enrich', apikey: 'c2VjcmV0LWFwaS1rZXk=' }, { logger });
    try {
      await out.send([makeAlert()], { attempt: 1, signal: signal() });
      const bulk = secured.requests.find((r) => r.path.startsWith('/_bulk'))!;
      expect(bulk.headers['content-encoding']).toBe('gzip');
      expect(new URL(bulk.path, 'http://x').searchParams.get('pipeline')).toBe('falco-enrich');
      expect(secured.doc('falco-2026.11.29', makeAlert().uuid)).toBeDefined();
      const wrong = build(elasticsearch, { hostport: secured.url, apikey: 'd3JvbmctYXBpLWtleQ==' });
      const denied = await attemptDelivery({ output: wrong, policy: policy() }, [makeAlert()], 1);
      expect(denied.dead[0]?.error).toMatch(/HTTP 401: security_exception/);
      expect(lines.join('') + JSON.stringify(denied)).not.toMatch(/c2VjcmV0|d3Jvbmc/);
      await wrong.close();
    } finally {
      await out.close();
      await secured.close();
    }
  });

  it('writes ECS documents on request', async () => {
    await output({ ecs: true }).send([makeAlert({ priority: 'Critical' })], { attempt: 1, signal: signal() });
    const doc = peer.doc('falco-2026.11.29', makeAlert().uuid)!;
    expect(doc).toEqual({
      '@timestamp': '2026-11-29T01:02:03.123Z',
      message: makeAlert().output,
      event: { kind: 'alert', id: makeAlert().uuid, module: 'falco', dataset: 'falco.syscall', severity: 2 },
      log: { level: 'critical' },
      rule: { name: 'Terminal shell in container' },
      host: { name: 'node-1' },
      tags: ['container', 'shell', 'mitre_execution'],
      labels: {
        container_id: '0123456789ab',
        container_name: 'web',
        proc_name: 'bash',
        user_name: 'root',
        k8s_ns_name: 'prod',
        evt_time: '1795914123123456800',
      },
      falco: { priority: 'Critical', source: 'syscall', time: makeAlert().time },
    });
  });

  it('flattens output field names with flattenfields', async () => {
    await output({ flattenfields: true }).send([makeAlert()], { attempt: 1, signal: signal() });
    expect(Object.keys(peer.doc('falco-2026.11.29', makeAlert().uuid)!.output_fields as object)).toContain('container_id');
  });

  it('creates the index template at start-up when asked, or before the first send if the cluster was down', async () => {
    const out = output({ createindextemplate: true, numberofshards: 1, numberofreplicas: 0 });
    await out.start!();
    const template = peer.templates.get('saker-falco')!;
    expect(template.index_patterns).toEqual(['falco-*']);
    expect(template.template).toMatchObject({
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: { properties: { output_fields: { type: 'flattened' }, time: { type: 'date_nanos' }, '@timestamp': { type: 'date' } } },
    });

    peer.templates.clear();
    const { logger, lines } = captureLogger();
    const late = output({ createindextemplate: true }, logger);
    peer.answerNext({ status: 503, body: { error: { type: 'master_not_discovered_exception', reason: 'no master' }, status: 503 } });
    await late.start!();
    expect(lines.join('')).toContain('cannot create the index template yet');
    expect(peer.templates.size).toBe(0);
    await late.send([makeAlert()], { attempt: 1, signal: signal() });
    expect(peer.templates.has('saker-falco')).toBe(true);
    expect(peer.doc('falco-2026.11.29', makeAlert().uuid)).toBeDefined();
  });

  it('validates its config', () => {
    expect(() => output({ hostport: 'localhost:9200' })).toThrow("elasticsearch.hostport: expected http(s)://host:port, got 'localhost:9200'");
    expect(() => output({ bulksize: 0 })).toThrow('elasticsearch.bulksize: 0 is below the minimum of 1');
    expect(() => output({ index: 'Falco' })).toThrow(/^elasticsearch.index: 'Falco' is not a valid index name/);
    expect(() => output({ apikey: 'k', username: 'u', password: 'p' })).toThrow('elasticsearch.apikey: set either apikey or username/password, not both');
    expect(() => output({ username: 'u' })).toThrow('elasticsearch.password: required with username');
  });
});
