// What saker writes to Elasticsearch: the index an alert goes to (a date suffix from the alert's own time, so
// a retried alert lands where it first would have), the document (Falco's alert, or an ECS-shaped one), and
// the index template that maps them without mapping explosions.

import { isoMillis } from './alert-time.js';
import { render } from './alert-template.js';
import type { Alert } from './output.js';
import { priorityRank } from './priority.js';

export type IndexSuffix = 'daily' | 'monthly' | 'annually' | 'none';

/** When the alert happened, as Elasticsearch's `@timestamp` wants it (milliseconds, UTC). */
export function timestampOf(alert: Alert): string {
  return isoMillis(alert.time);
}

/** `falco-2026.11.29`, `falco-2026.11`, `falco-2026` or `falco`, from the alert's `@timestamp` (UTC). */
export function indexName(base: string, suffix: IndexSuffix, timestamp: string): string {
  switch (suffix) {
    case 'none':
      return base;
    case 'annually':
      return `${base}-${timestamp.slice(0, 4)}`;
    case 'monthly':
      return `${base}-${timestamp.slice(0, 4)}.${timestamp.slice(5, 7)}`;
    default:
      return `${base}-${timestamp.slice(0, 4)}.${timestamp.slice(5, 7)}.${timestamp.slice(8, 10)}`;
  }
}

/** Falcosidekick's `flattenfields`: `proc.name` → `proc_name`, so dotted names cannot clash as objects. */
function flattened(fields: Alert['output_fields']): Alert['output_fields'] {
  const out: Alert['output_fields'] = {};
  for (const [k, v] of Object.entries(fields)) out[k.replace(/\./g, '_')] = v;
  return out;
}

/**
 * Falco's alert as it came, with `@timestamp` first, already serialized: the bulk body is built from strings,
 * which spares copying every alert into a new object on the way (this is the output's hot path).
 */
export function falcoDocumentJson(alert: Alert, timestamp: string, flattenFields: boolean): string {
  const json = JSON.stringify(flattenFields ? { ...alert, output_fields: flattened(alert.output_fields) } : alert);
  return `{"@timestamp":"${timestamp}",${json.slice(1)}`;
}

/** An Elastic Common Schema document: what Elastic Security and SIEM dashboards read. */
export function ecsDocument(alert: Alert, timestamp: string): Record<string, unknown> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(alert.output_fields)) labels[k.replace(/\./g, '_')] = render(v);
  return {
    '@timestamp': timestamp,
    message: alert.output,
    event: {
      kind: 'alert',
      id: alert.uuid,
      module: 'falco',
      dataset: `falco.${alert.source}`,
      // Syslog's scale, which Falco's priorities follow: 0 is Emergency, 7 is Debug.
      severity: priorityRank(alert.priority),
    },
    log: { level: alert.priority.toLowerCase() },
    rule: { name: alert.rule },
    host: { name: alert.hostname },
    tags: alert.tags,
    labels,
    falco: { priority: alert.priority, source: alert.source, time: alert.time },
  };
}

/** A composable index template for the output's indexes. `flattened` keeps any output field mappable. */
export function indexTemplate(base: string, suffix: IndexSuffix, ecs: boolean, shards: number, replicas: number): Record<string, unknown> {
  const keyword = { type: 'keyword', ignore_above: 1024 };
  const properties = ecs
    ? {
        '@timestamp': { type: 'date' },
        message: { type: 'match_only_text' },
        event: { properties: { kind: { type: 'keyword' }, id: { type: 'keyword' }, module: { type: 'keyword' }, dataset: { type: 'keyword' }, severity: { type: 'long' } } },
        log: { properties: { level: { type: 'keyword' } } },
        rule: { properties: { name: keyword } },
        host: { properties: { name: keyword } },
        tags: { type: 'keyword' },
        labels: { type: 'object', dynamic: true },
        falco: { properties: { priority: { type: 'keyword' }, source: { type: 'keyword' }, time: { type: 'date_nanos' } } },
      }
    : {
        '@timestamp': { type: 'date' },
        time: { type: 'date_nanos' },
        uuid: { type: 'keyword' },
        rule: keyword,
        priority: { type: 'keyword' },
        source: { type: 'keyword' },
        hostname: keyword,
        tags: { type: 'keyword' },
        output: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 2048 } } },
        output_fields: { type: 'flattened', ignore_above: 2048 },
      };
  return {
    index_patterns: suffix === 'none' ? [base] : [`${base}-*`],
    priority: 150,
    template: {
      settings: { number_of_shards: shards, number_of_replicas: replicas },
      mappings: {
        dynamic_templates: ecs ? [{ labels_as_keywords: { path_match: 'labels.*', mapping: { type: 'keyword', ignore_above: 1024 } } }] : [],
        properties,
      },
    },
    _meta: { created_by: 'saker', shape: ecs ? 'ecs' : 'falco' },
  };
}
