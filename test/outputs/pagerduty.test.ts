import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { attemptDelivery } from '../../src/queue/delivery.js';
import { pagerduty, pagerdutySeverity } from '../../outputs/pagerduty.js';
import { PagerDutyPeer } from '../peers/pagerduty.js';
import { build, captureLogger, makeAlert, policy } from './helpers.js';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdef012345';
let peer: PagerDutyPeer;
beforeAll(async () => {
  peer = await PagerDutyPeer.start();
});
afterAll(() => peer.close());
beforeEach(() => {
  peer.events.length = 0;
  peer.requests.length = 0;
});

const config = () => ({ routingkey: ROUTING_KEY, server: peer.server });
const trusted = () => ({ caCertFile: peer.certificate.certFile });

describe('pagerduty (Events API v2 through @pagerduty/pdjs)', () => {
  it('triggers an event with the exact payload PagerDuty expects', async () => {
    const out = build(pagerduty, config(), trusted());
    const outcome = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(outcome.delivered).toHaveLength(1);
    const alert = makeAlert();
    expect(peer.events).toEqual([
      {
        routing_key: ROUTING_KEY,
        event_action: 'trigger',
        dedup_key: 'Terminal shell in container|node-1|0123456789ab',
        client: 'saker',
        payload: {
          summary: `Terminal shell in container: ${alert.output}`,
          source: 'node-1',
          severity: 'warning',
          timestamp: '2026-11-29T01:02:03.123Z',
          component: 'web',
          group: 'prod',
          class: 'syscall',
          custom_details: {
            rule: alert.rule,
            priority: 'Warning',
            source: 'syscall',
            hostname: 'node-1',
            tags: alert.tags,
            time: alert.time,
            uuid: alert.uuid,
            output: alert.output,
            output_fields: alert.output_fields,
          },
        },
      },
    ]);
    expect(peer.requests[0]!.headers['content-type']).toMatch(/^application\/json/);
  });

  it('maps Falco priorities to the four PagerDuty severities', () => {
    expect(['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'].map((p) => pagerdutySeverity(p as never))).toEqual([
      'critical', 'critical', 'critical', 'error', 'warning', 'info', 'info', 'info',
    ]);
  });

  it('groups repeats under one dedup key, keeps the summary within 1,024 characters, omits empty fields', async () => {
    const out = build(pagerduty, config(), trusted());
    const long = makeAlert({ output: 'x'.repeat(5000), output_fields: {}, hostname: '' });
    await out.send([long, long], { attempt: 1, signal: new AbortController().signal });
    expect(peer.events).toHaveLength(2);
    const [first, second] = peer.events;
    expect(first!.dedup_key).toBe(second!.dedup_key);
    expect(first!.dedup_key).toBe('Terminal shell in container||');
    expect(first!.payload.summary).toHaveLength(1024);
    expect(first!.payload.summary.endsWith('…')).toBe(true);
    expect(first!.payload.source).toBe('saker-test');
    expect(first!.payload).not.toHaveProperty('component');
    expect(first!.payload).not.toHaveProperty('group');
  });

  it('takes a custom dedup key template and hashes one longer than 255 characters', async () => {
    const out = build(pagerduty, { ...config(), dedupkey: '{{ .Rule }}-{{ index .OutputFields "proc.name" }}' }, trusted());
    await out.send([makeAlert()], { attempt: 1, signal: new AbortController().signal });
    expect(peer.events[0]!.dedup_key).toBe('Terminal shell in container-bash');
    const hashed = build(pagerduty, { ...config(), dedupkey: '{{ .Output }}' }, trusted());
    await hashed.send([makeAlert({ output: 'y'.repeat(300) })], { attempt: 1, signal: new AbortController().signal });
    expect(peer.events[1]!.dedup_key).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('retries a 429 (after pdjs\'s own short pauses) and a 5xx, honouring Retry-After', async () => {
    const out = build(pagerduty, config(), { timeoutMs: 400, ...trusted() });
    const busy = { status: 429, headers: { 'retry-after': '30' }, body: { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' } };
    peer.answerNext(busy, busy, busy, busy);
    const limited = await attemptDelivery({ output: out, policy: policy({ timeoutMs: 2000 }) }, [makeAlert()], 1);
    expect(limited.retry?.delayMs).toBe(30_000);
    expect(limited.retry?.error).toMatch(/HTTP 429: Requests for this service are arriving too quickly/);
    expect(peer.requests).toHaveLength(4);
    peer.answerNext({ status: 502, body: '<html>bad gateway</html>' });
    const bad = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(bad.retry?.error).toMatch(/^PagerDuty Events API answered with something other than JSON/);
    peer.answerNext({ status: 500, body: { status: 'error', message: 'internal' } });
    const internal = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(internal.retry?.error).toBe('PagerDuty Events API answered HTTP 500: internal');
  });

  it('dead-letters an event PagerDuty rejects, with its reasons, and never logs the routing key', async () => {
    const { logger, lines } = captureLogger();
    const out = build(pagerduty, { ...config(), routingkey: 'short-secret-key' }, { logger, ...trusted() });
    const outcome = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(outcome.retry).toBeUndefined();
    expect(outcome.dead[0]?.error).toBe('PagerDuty Events API answered HTTP 400: Event object is invalid; routing_key must be 32 characters');
    expect(lines.join('\n') + JSON.stringify(outcome)).not.toContain('short-secret-key');
  });

  it('refuses a certificate it does not trust (no silent insecure fallback)', async () => {
    const out = build(pagerduty, config());
    const outcome = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(outcome.dead[0]?.error).toMatch(/self.signed certificate.*tlsclient.cacertfile/i);
    expect(peer.events).toHaveLength(0);
  });

  it('validates its config', () => {
    expect(() => build(pagerduty, { ...config(), server: 'https://x/v2' })).toThrow('pagerduty.server: expected host[:port]');
    expect(() => build(pagerduty, config(), { caCertFile: '/nonexistent.pem' })).toThrow(/^tlsclient.cacertfile: cannot read/);
    expect(() => build(pagerduty, { ...config(), region: 'ap' })).toThrow("pagerduty.region: 'ap' is not one of us, eu");
    expect(() => build(pagerduty, { routingKey: ROUTING_KEY, server: peer.server })).not.toThrow();
    expect(pagerduty.isEnabled({ routingkey: '' })).toBe(false);
  });
});
