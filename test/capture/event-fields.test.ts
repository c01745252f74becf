import { describe, expect, it } from 'vitest';
import { k8sAuditSource } from '../../capture/k8saudit/source.js';
import { jsonSource } from '../../capture/json/source.js';
import { jsonEvent } from '../../capture/json/event.js';
import type { K8sAuditEvent } from '../../capture/k8saudit/event.js';
import { auditJson, auditOf } from './k8saudit-events.js';

const source = k8sAuditSource({ hostname: () => 'node-7' });
const field = (name: string, event: K8sAuditEvent) => source.fields.find((f) => f.name === name)!.extractor!(undefined)(event);

describe('generic evt.* fields of plugin sources', () => {
  const first = auditOf(auditJson());
  const later = auditOf(auditJson({ stageTimestamp: '2026-11-29T01:02:05.123456001Z' }));
  it('render the event time as libsinsp does', () => {
    expect(field('evt.time.iso8601', first)).toBe('2026-11-29T01:02:03.123456000Z');
    expect(field('evt.time', first)).toMatch(/^\d\d:\d\d:03\.123456000$/);
    expect(field('evt.time.s', first)).toMatch(/^\d\d:\d\d:03$/);
    expect(field('evt.datetime', first)).toMatch(/^2026-11-(28|29|30) \d\d:\d\d:03\.123456000$/);
    expect(field('evt.rawtime', first)).toBe(1795914123123456000n);
    expect(field('evt.rawtime.s', first)).toBe(1795914123n);
    expect(field('evt.rawtime.ns', first)).toBe(123456000n);
  });
  it('count relative time from the first event the source saw', () => {
    expect(field('evt.reltime', first)).toBe(0n);
    expect(field('evt.reltime', later)).toBe(2_000_000_001n);
    expect(field('evt.reltime.s', later)).toBe(2n);
  });
  it('name the source, plugin and host, and number events', () => {
    expect(field('evt.source', first)).toBe('k8s_audit');
    expect(field('evt.pluginname', first)).toBe('k8saudit');
    expect(field('evt.hostname', first)).toBe('node-7');
    expect(field('evt.is_async', first)).toBe(false);
    expect(field('evt.asynctype', first)).toBeUndefined();
    expect(field('evt.num', later)).toBe((field('evt.num', first) as number) + 1);
    expect(JSON.parse(field('evt.plugininfo', first) as string)).toMatchObject({ auditID: first.value['auditID'] });
  });
  it('exist on the json source too', () => {
    const json = jsonSource();
    const parsed = jsonEvent({ a: 1 }, 5_000_000_000n, '{"a":1}');
    if (!parsed.ok) throw new Error(parsed.reason);
    const get = (name: string) => json.fields.find((f) => f.name === name)!.extractor!(undefined)(parsed.event);
    expect(get('evt.source')).toBe('json');
    expect(get('evt.plugininfo')).toBe('{"a":1}');
    expect(get('json.rawtime')).toBe('5000000000');
  });
});
