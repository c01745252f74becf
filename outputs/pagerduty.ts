// PagerDuty Events API v2 through @pagerduty/pdjs: one trigger event per alert, severity from the Falco
// priority (Falcosidekick always says critical), and a dedup key so that a rule firing again on the same
// host and container joins the open incident instead of paging anew. @pagerduty/pdjs is loaded when the
// output starts, not with saker.

import type { event } from '@pagerduty/pdjs';
import { createHash } from 'node:crypto';
import { Agent } from 'node:https';
import { withFraction } from './alert-time.js';
import { compileTemplate, type AlertTemplate } from './alert-template.js';
import { deliverEach } from './deliver-each.js';
import { failureForNetworkError, failureForStatus } from './http-failures.js';
import { Lazy } from './lazy.js';
import { RetryableError, type Alert, type ConfigKey, type Output, type OutputModule, type SendContext } from './output.js';
import { SectionConfig } from './section-config.js';
import { CLIENT_TLS_KEYS, clientTlsOptions } from './tls.js';

type EventPayloadV2 = Parameters<typeof event>[0]['data'];
type Severity = EventPayloadV2['payload']['severity'];

const keys: readonly ConfigKey[] = [
  {
    name: 'routingkey',
    type: 'string',
    secret: true,
    doc: 'Integration (routing) key of an Events API v2 integration; setting it enables the output. Falcosidekick: `pagerduty.routingkey`.',
  },
  { name: 'region', type: 'enum', values: ['us', 'eu'], default: 'us', doc: 'PagerDuty service region: `us` (events.pagerduty.com) or `eu` (events.eu.pagerduty.com). Falcosidekick: `pagerduty.region`.' },
  { name: 'server', type: 'string', doc: 'Host[:port] of the Events API instead of the region\'s, e.g. an egress proxy; always HTTPS.' },
  {
    name: 'dedupkey',
    type: 'string',
    default: '{{ .Rule }}|{{ .Hostname }}|{{ index .OutputFields "container.id" }}',
    doc: 'Template of the dedup_key: alerts with the same key group into one open incident. Longer than 255 characters, it is replaced by its SHA-256.',
  },
  { name: 'summary', type: 'string', default: '{{ .Rule }}: {{ .Output }}', doc: 'Template of the incident summary (cut to PagerDuty\'s 1,024 characters).' },
  { name: 'component', type: 'string', default: '{{ index .OutputFields "container.name" }}', doc: 'Template of payload.component; omitted when empty.' },
  { name: 'group', type: 'string', default: '{{ index .OutputFields "k8s.ns.name" }}', doc: 'Template of payload.group; omitted when empty.' },
  { name: 'class', type: 'string', default: '{{ .Source }}', doc: 'Template of payload.class; omitted when empty.' },
  ...CLIENT_TLS_KEYS,
];

const pdjs = new Lazy(() => import('@pagerduty/pdjs'));

const REGION_SERVERS = { us: 'events.pagerduty.com', eu: 'events.eu.pagerduty.com' } as const;

/** Falco priority → PagerDuty severity, which has only four levels. */
export function pagerdutySeverity(priority: Alert['priority']): Severity {
  switch (priority) {
    case 'Emergency':
    case 'Alert':
    case 'Critical':
      return 'critical';
    case 'Error':
      return 'error';
    case 'Warning':
      return 'warning';
    default:
      return 'info';
  }
}

const SUMMARY_MAX = 1024;
const DEDUP_MAX = 255;

interface EventTemplates {
  dedupKey: AlertTemplate;
  summary: AlertTemplate;
  component: AlertTemplate;
  group: AlertTemplate;
  class: AlertTemplate;
}

export function pagerdutyEvent(alert: Alert, routingKey: string, t: EventTemplates, fallbackSource: string): EventPayloadV2 & { client: string } {
  let dedupKey = t.dedupKey(alert);
  if (dedupKey.length > DEDUP_MAX) dedupKey = `sha256:${createHash('sha256').update(dedupKey).digest('hex')}`;
  const summaryText = t.summary(alert) || alert.rule;
  const summary = [...summaryText].length <= SUMMARY_MAX ? summaryText : `${[...summaryText].slice(0, SUMMARY_MAX - 1).join('')}…`;
  const payload: EventPayloadV2['payload'] = {
    summary,
    source: alert.hostname || fallbackSource,
    severity: pagerdutySeverity(alert.priority),
    timestamp: withFraction(alert.time, 3),
    custom_details: {
      rule: alert.rule,
      priority: alert.priority,
      source: alert.source,
      hostname: alert.hostname,
      tags: alert.tags,
      time: alert.time,
      uuid: alert.uuid,
      output: alert.output,
      output_fields: alert.output_fields,
    },
  };
  const component = t.component(alert);
  const group = t.group(alert);
  const klass = t.class(alert);
  if (component) payload.component = component;
  if (group) payload.group = group;
  if (klass) payload.class = klass;
  return { routing_key: routingKey, event_action: 'trigger', dedup_key: dedupKey, payload, client: 'saker' };
}

interface EnqueueAnswer {
  status?: string;
  message?: string;
  errors?: unknown[];
}

class PagerDutyOutput implements Output {
  readonly maxBatch = 5;

  constructor(
    readonly name: string,
    private readonly routingKey: string,
    private readonly server: string,
    private readonly agent: Agent,
    private readonly templates: EventTemplates,
    private readonly hostname: string,
    private readonly timeoutMs: number,
  ) {}

  /** Loads the PagerDuty client library before saker listens. */
  async start(): Promise<void> {
    await pdjs.get();
  }

  send(alerts: Alert[], ctx: SendContext): Promise<void> {
    return deliverEach(alerts, 1, ctx.signal, (alert) => this.trigger(alert, ctx.signal));
  }

  private async trigger(alert: Alert, signal: AbortSignal): Promise<void> {
    const data = pagerdutyEvent(alert, this.routingKey, this.templates, this.hostname);
    const { event: sendEvent } = await pdjs.get();
    let status: number;
    let answer: EnqueueAnswer;
    let retryAfter: string | null;
    try {
      const response = await sendEvent({
        data,
        server: this.server,
        signal,
        timeout: this.timeoutMs,
        // pdjs retries a 429 itself, three times, pausing retryTimeout ms each; keeping the three pauses inside
        // this attempt's deadline leaves the queue's backoff in charge of anything longer.
        retryTimeout: Math.floor(this.timeoutMs / 4),
        agent: this.agent,
      } as Parameters<typeof event>[0]);
      status = response.status;
      answer = (response.data ?? {}) as EnqueueAnswer;
      retryAfter = response.headers.get('retry-after');
    } catch (err) {
      // pdjs reads every answer as JSON; one that is not (a proxy's error page) is worth another try, as is none.
      if ((err as { type?: string }).type === 'invalid-json') {
        throw new RetryableError('PagerDuty Events API answered with something other than JSON (a proxy error page?)', undefined, { cause: err });
      }
      throw failureForNetworkError('PagerDuty Events API', err);
    }
    if (status === 202 || (status >= 200 && status < 300)) return;
    const detail = [answer.message, ...(answer.errors ?? []).map(String)].filter(Boolean).join('; ');
    throw failureForStatus('PagerDuty Events API', status, retryAfter ?? undefined, detail);
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

export const pagerduty: OutputModule = {
  type: 'pagerduty',
  summary: 'PagerDuty incidents through the Events API v2, severity from the priority, grouped by a dedup key',
  keys,
  isEnabled: (config) => Boolean(config.routingkey),
  create(config, ctx) {
    const c = new SectionConfig('pagerduty', keys, config);
    const routingKey = c.requiredString('routingkey');
    const region = c.choice<'us' | 'eu'>('region');
    const server = c.string('server') ?? REGION_SERVERS[region];
    if (/^[a-z]+:\/\//i.test(server) || server.includes('/')) c.fail('server', 'expected host[:port], without scheme or path');
    // pdjs fetches through node-fetch, which takes an https.Agent: the place for our TLS settings.
    const agent = new Agent({ ...clientTlsOptions('pagerduty', config, ctx), keepAlive: true });
    const template = (name: string) => compileTemplate(c.string(name) ?? '', `pagerduty.${name}`);
    const templates: EventTemplates = {
      dedupKey: template('dedupkey'),
      summary: template('summary'),
      component: template('component'),
      group: template('group'),
      class: template('class'),
    };
    return new PagerDutyOutput('pagerduty', routingKey, server, agent, templates, ctx.hostname, ctx.timeoutMs);
  },
};
