// Keys every output section has, declared once: the router's filters and the queue's delivery policy. An
// output may redeclare one of them (same name) to change its default or its doc; its declaration wins.

import type { ConfigKey, OutputModule } from '../../outputs/output.js';
import type { Priority } from '../alert.js';
import type { DeliveryPolicy } from '../queue/queue.js';
import type { ConfigSection } from './section.js';

export const COMMON_OUTPUT_KEYS: readonly ConfigKey[] = [
  { name: 'minimumpriority', type: 'priority', doc: 'Lowest priority delivered, inclusive (`warning` delivers Warning and more severe); empty = every alert' },
  { name: 'rules.allow', type: 'string[]', default: [], doc: 'Deliver only alerts of these rules (exact names); empty = any rule' },
  { name: 'rules.deny', type: 'string[]', default: [], doc: 'Never deliver alerts of these rules' },
  { name: 'tags.allow', type: 'string[]', default: [], doc: 'Deliver only alerts carrying at least one of these tags; empty = any' },
  { name: 'tags.deny', type: 'string[]', default: [], doc: 'Never deliver alerts carrying any of these tags' },
  { name: 'sources.allow', type: 'string[]', default: [], doc: 'Deliver only alerts of these sources (`syscall`, `k8s_audit`, …); empty = any' },
  { name: 'sources.deny', type: 'string[]', default: [], doc: 'Never deliver alerts of these sources' },
  { name: 'timeout', type: 'duration', default: 10_000, min: 1, doc: 'Longest one delivery attempt may take before it is abandoned and retried' },
  { name: 'maxattempts', type: 'int', default: 5, min: 1, doc: 'Delivery attempts in all, the first included, before an alert becomes a dead letter' },
  { name: 'backoff.initial', type: 'duration', default: 500, min: 0, doc: 'Longest wait before the first retry; doubles each retry (full jitter)' },
  { name: 'backoff.max', type: 'duration', default: 60_000, min: 0, doc: 'Longest wait between two retries' },
  { name: 'concurrency', type: 'int', default: 2, min: 1, doc: 'Batches delivered at the same time' },
  { name: 'ratelimit', type: 'number', default: 0, min: 0, doc: 'Most deliveries (batches) per second; 0 = no limit' },
];

/** The keys of an output's section: the common ones, then the module's own (which win on a name clash). */
export function outputKeys(module: OutputModule): ConfigKey[] {
  const own = new Set(module.keys.map((k) => k.name));
  return [...COMMON_OUTPUT_KEYS.filter((k) => !own.has(k.name)), ...module.keys];
}

export function outputSection(module: OutputModule): ConfigSection {
  return { name: module.type, doc: module.summary, keys: outputKeys(module), output: module, checkEnvTypos: true };
}

/** The queue's delivery policy from an output section's resolved values. */
export function deliveryPolicy(values: Readonly<Record<string, unknown>>): DeliveryPolicy {
  const rate = values['ratelimit'] as number;
  return {
    maxAttempts: values['maxattempts'] as number,
    baseDelayMs: values['backoff.initial'] as number,
    maxDelayMs: values['backoff.max'] as number,
    timeoutMs: values['timeout'] as number,
    concurrency: values['concurrency'] as number,
    ratePerSecond: rate > 0 ? rate : undefined,
  };
}

/** The router's filter for an output section, from its resolved values. */
export interface FilterSpec {
  minimumPriority?: Priority;
  rules: { allow: readonly string[]; deny: readonly string[] };
  tags: { allow: readonly string[]; deny: readonly string[] };
  sources: { allow: readonly string[]; deny: readonly string[] };
}

export function filterSpec(values: Readonly<Record<string, unknown>>): FilterSpec {
  const list = (name: string) => (values[name] as string[] | undefined) ?? [];
  return {
    minimumPriority: values['minimumpriority'] as Priority | undefined,
    rules: { allow: list('rules.allow'), deny: list('rules.deny') },
    tags: { allow: list('tags.allow'), deny: list('tags.deny') },
    sources: { allow: list('sources.allow'), deny: list('sources.deny') },
  };
}
