import { describe, expect, it } from 'vitest';
import { auditEvent, auditPayload } from '../../capture/k8saudit/parse.js';
import { parseRfc3339 } from '../../capture/k8saudit/timestamp.js';
import { auditJson } from './k8saudit-events.js';
import { CORPUS_ABSENT, hasSamples, k8sSamples } from './corpus.js';

const opts = { maxEventBytes: 256 * 1024 };

describe('stageTimestamp', () => {
  it('parses RFC 3339 with 0 to 9 fraction digits and offsets, to ns', () => {
    expect(parseRfc3339('2018-10-25T14:09:12.581541Z')).toBe(1540476552581541000n);
    expect(parseRfc3339('2018-10-25T14:09:12Z')).toBe(1540476552000000000n);
    expect(parseRfc3339('2018-10-25T16:09:12.123456789+02:00')).toBe(1540476552123456789n);
    expect(parseRfc3339('0001-01-01T00:00:00Z')).toBe(-62135596800000000000n);
  });
  it('says why a timestamp is refused', () => {
    expect(parseRfc3339('2018-10-25 14:09:12Z')).toMatch(/is not an RFC 3339 timestamp/);
    expect(parseRfc3339('2018-02-30T14:09:12Z')).toMatch(/not a valid date/);
    expect(parseRfc3339('2018-10-25T14:09:12.1234567891Z')).toMatch(/not an RFC 3339/);
  });
});

describe('audit events', () => {
  it('accepts v1 and v1beta1, with or without apiVersion and kind', () => {
    for (const apiVersion of ['audit.k8s.io/v1', 'audit.k8s.io/v1beta1', undefined]) {
      const parsed = auditEvent(auditJson({ apiVersion }), opts);
      expect(parsed.ok).toBe(true);
    }
    expect(auditEvent(auditJson({ kind: undefined }), opts).ok).toBe(true);
  });
  it('takes the time from stageTimestamp', () => {
    const parsed = auditEvent(auditJson(), opts);
    expect(parsed.ok && parsed.event.time).toBe(1795914123123456000n);
  });
  it('refuses unusable events with a reason', () => {
    const reason = (v: unknown) => {
      const p = auditEvent(v, opts);
      return p.ok ? 'accepted' : p.reason;
    };
    expect(reason(auditJson({ stageTimestamp: undefined }))).toBe('stageTimestamp is missing');
    expect(reason(auditJson({ stageTimestamp: 12 }))).toBe('stageTimestamp must be a string, not a number');
    expect(reason(auditJson({ stageTimestamp: 'yesterday' }))).toMatch(/^stageTimestamp: 'yesterday' is not an RFC 3339/);
    expect(reason(auditJson({ auditID: undefined }))).toBe('auditID is missing');
    expect(reason(auditJson({ apiVersion: 'v1' }))).toMatch(/apiVersion 'v1' is not audit.k8s.io\/v1 or v1beta1/);
    expect(reason(auditJson({ kind: 'Pod' }))).toBe("kind is 'Pod', not 'Event'");
    expect(reason([1])).toBe('an audit event must be a JSON object, not an array');
  });
  it('enforces the per-event size limit, measured in UTF-8 bytes', () => {
    const big = auditJson({ requestObject: { data: { x: 'é'.repeat(1000) } } });
    const p = auditEvent(big, { maxEventBytes: 1500 });
    expect(p.ok).toBe(false);
    expect(!p.ok && p.reason).toMatch(/^event is \d+ bytes, over the limit of 1500 bytes per event$/);
    expect(auditEvent(big, { maxEventBytes: 4000 }).ok).toBe(true);
  });
});

describe('audit payloads', () => {
  it('reads an EventList, a single Event and arrays, reporting bad items by JSON path', () => {
    const list = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [auditJson(), auditJson({ stageTimestamp: undefined }), auditJson()] };
    const batch = auditPayload(list, opts);
    expect(batch.events).toHaveLength(2);
    expect(batch.rejected).toEqual([{ where: '$.items[1]', reason: 'stageTimestamp is missing' }]);

    expect(auditPayload(auditJson(), opts).events).toHaveLength(1);
    const array = auditPayload([auditJson(), list, 'x'], opts);
    expect(array.events).toHaveLength(3);
    expect(array.rejected.map((r) => r.where)).toEqual(['$[1].items[1]', '$[2]']);
    expect(auditPayload({ kind: 'EventList' }, opts).rejected).toEqual([
      { where: '$.items', reason: 'an EventList needs an items array, it has none' },
    ]);
  });
  it('stamps the cluster name when one is configured', () => {
    expect(auditPayload(auditJson(), { ...opts, cluster: 'prod' }).events[0]!.cluster).toBe('prod');
  });
});

describe.skipIf(!hasSamples)(`the corpus samples ${hasSamples ? '' : CORPUS_ABSENT}`, () => {
  it('all parse, v1 and v1beta1, including the one without apiVersion', () => {
    const samples = k8sSamples();
    expect(samples.length).toBe(32);
    for (const s of samples) {
      const parsed = auditEvent(JSON.parse(s.text), opts, s.text);
      expect(parsed.ok, s.name).toBe(true);
    }
  });
});
