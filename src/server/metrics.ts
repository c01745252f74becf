// saker's Prometheus metrics. Everything is labelled by things the configuration bounds — input names,
// output names, Falco's eight priorities — never by what arrives in alerts, unless the configuration asks
// for it (`metrics.alertlabels`): a label per rule or pod is a time series per rule or pod.
//
// Deliveries are measured by wrapping each Output (`meter`), so both queue implementations are measured
// the same way without knowing about metrics; queue depth and dead letters are read from the queue's
// stats at scrape time.

import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Alert } from '../alert.js';
import { DeliveryError, PartialDeliveryError, type Output, type SendContext } from '../../outputs/output.js';
import type { AlertQueue, MetricsSnapshot } from '../queue/queue.js';
import type { RulesStatus } from '../rules/live-rules.js';
import { ALERT_LABELS, alertLabelValue, isAlertLabel, type AlertLabel } from './alert-labels.js';


/** What happened to alerts at an input: taken into the queue, refused as invalid, or refused with 503. */
export type InputStatus = 'accepted' | 'rejected' | 'unavailable';

export interface MetricsOptions {
  alertLabels?: readonly AlertLabel[];
  /** Node.js process metrics (memory, CPU, event-loop lag); on unless turned off. */
  processMetrics?: boolean;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const SEND_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * A counter's series as plain numbers, handed to prom-client when it is scraped: prom-client hashes the
 * labels on every increment, which on `POST /` cost more than the rest of the request's accounting.
 */
class Tally {
  private readonly series = new Map<string, { labels: Record<string, string>; n: number }>();

  /** Adds `n` to the series `key`; `labelsOf(item)` names a series not seen before. */
  add<T = string>(key: string, n: number, labelsOf: (item: T) => Record<string, string>, item: T = key as T): void {
    const entry = this.series.get(key);
    if (entry) entry.n += n;
    else this.series.set(key, { labels: labelsOf(item), n });
  }

  /** A counter's `collect`: the totals replace what it holds. */
  collector(): (this: Counter<string>) => void {
    const series = this.series;
    return function collect() {
      this.reset();
      for (const { labels, n } of series.values()) this.inc(labels, n);
    };
  }
}

/** The labels of an input or event series, from its key `source\u0000status`. */
function sourceAndStatus(key: string): Record<string, string> {
  const [source, status] = key.split('\u0000');
  return { source: source!, status: status! };
}

export class SakerMetrics {
  readonly registry = new Registry();
  private readonly alertLabels: readonly AlertLabel[];
  private readonly inputs = new Tally();
  private readonly events = new Tally();
  private readonly alerts = new Tally();
  /** The labels of an alert's series in `saker_alerts_total`. */
  private readonly alertSeries = (alert: Alert): Record<string, string> => {
    const labels: Record<string, string> = { priority: alert.priority };
    for (const label of this.alertLabels) labels[label] = alertLabelValue(alert, label);
    return labels;
  };
  private readonly outputs: Counter<'output' | 'status'>;
  private readonly evalRestarts: Counter;
  private readonly retries: Counter<'output'>;
  private readonly latency: Histogram<'output'>;
  private readonly sendDuration: Histogram<'output'>;
  /** Delivery metrics recorded in another thread (the queue's delivery thread), added to this registry's at render. */
  private elsewhere: (() => Promise<MetricsSnapshot>) | undefined;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.alertLabels = [...new Set(options.alertLabels ?? [])];
    for (const label of this.alertLabels) {
      if (!isAlertLabel(label)) throw new Error(`metrics.alertlabels: '${String(label)}' is not one of ${ALERT_LABELS.join(', ')}`);
    }
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    new Counter({
      name: 'saker_inputs_total',
      help: 'Alerts received, by input and by what saker answered (accepted, rejected as invalid, unavailable = 503).',
      labelNames: ['source', 'status'],
      registers,
      collect: this.inputs.collector(),
    });
    new Counter({
      name: 'saker_events_total',
      help: 'Events received by the event endpoints (k8s_audit, json), by what became of them (accepted and evaluated, rejected as unusable, unavailable = 503).',
      labelNames: ['source', 'status'],
      registers,
      collect: this.events.collector(),
    });
    new Counter({
      name: 'saker_alerts_total',
      help: 'Alerts accepted, by priority (and by the labels metrics.alertlabels adds).',
      labelNames: ['priority', ...this.alertLabels],
      registers,
      collect: this.alerts.collector(),
    });
    this.evalRestarts = new Counter({
      name: 'saker_evaluation_thread_restarts_total',
      help: 'Evaluation threads (of POST /k8s-audit) started again after they stopped; the requests they had were answered 503 (see the log).',
      registers,
    });
    this.outputs = new Counter({
      name: 'saker_outputs_total',
      help: 'Alerts sent to each output, by outcome of the attempt (delivered, retryable_error, permanent_error).',
      labelNames: ['output', 'status'],
      registers,
    });
    this.retries = new Counter({
      name: 'saker_output_retries_total',
      help: 'Alerts sent again to an output after a failed attempt.',
      labelNames: ['output'],
      registers,
    });
    this.latency = new Histogram({
      name: 'saker_delivery_latency_seconds',
      help: 'From saker accepting an alert to the output having it (queueing and retries included).',
      labelNames: ['output'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.sendDuration = new Histogram({
      name: 'saker_output_send_duration_seconds',
      help: 'How long one send to the output took (one request for a batch), whatever its outcome.',
      labelNames: ['output'],
      buckets: SEND_BUCKETS,
      registers,
    });
  }

  countInput(source: string, status: InputStatus, count = 1): void {
    if (count > 0) this.inputs.add(`${source}\u0000${status}`, count, sourceAndStatus);
  }

  countEvents(source: string, status: InputStatus, count: number): void {
    if (count > 0) this.events.add(`${source}\u0000${status}`, count, sourceAndStatus);
  }

  countEvalThreadRestart(): void {
    this.evalRestarts.inc();
  }

  /** Alerts an input got into the queue: counted as accepted, and by priority (plus metrics.alertlabels). */
  countAccepted(source: string, alerts: readonly Alert[]): void {
    this.countInput(source, 'accepted', alerts.length);
    for (const alert of alerts) {
      let key: string = alert.priority;
      for (const label of this.alertLabels) key += `\u0000${alertLabelValue(alert, label)}`;
      this.alerts.add(key, 1, this.alertSeries, alert);
    }
  }

  /**
   * Reads queue depth and dead letters from `queue.stats()` at every scrape, and adds the delivery metrics
   * the queue recorded in another thread.
   */
  watchQueue(queue: Pick<AlertQueue, 'stats' | 'deliveryMetrics'>): void {
    if (queue.deliveryMetrics) this.elsewhere = () => queue.deliveryMetrics!();
    // The three gauges are collected separately; one read serves them all within a scrape.
    let last: { at: number; stats: Promise<Awaited<ReturnType<AlertQueue['stats']>> | undefined> } | undefined;
    const read = () => {
      if (!last || Date.now() - last.at > 500) last = { at: Date.now(), stats: queue.stats().catch(() => undefined) };
      return last.stats;
    };
    const perOutput = (name: string, help: string, pick: (row: { depth: number; deadLetters: number }) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['output'],
        registers: [this.registry],
        async collect() {
          const stats = await read();
          // Better no number than a stale one.
          this.reset();
          for (const [output, row] of Object.entries(stats ?? {})) this.set({ output }, pick(row));
        },
      });
    perOutput('saker_queue_depth', 'Alerts waiting for an output (queued, being delivered, or waiting for a retry).', (r) => r.depth);
    perOutput('saker_dead_letters', 'Alerts in the dead letters of an output (saker dlq list OUTPUT).', (r) => r.deadLetters);
    new Gauge({
      name: 'saker_queue_up',
      help: 'Whether the queue answered the last scrape (0: depth and dead letters are unknown, e.g. Redis is down).',
      registers: [this.registry],
      async collect() {
        this.set((await read()) ? 1 : 0);
      },
    });
  }

  /**
   * The running rules and their reloads, read from `rules.status` at every scrape. A reload that fails keeps
   * the running rules and saker healthy (/healthz stays 200), so these are where a broken rules file shows:
   * alert on `saker_rules_last_reload_success == 0`.
   */
  watchRules(rules: { readonly status: RulesStatus }): void {
    const registers = [this.registry];
    new Gauge({
      name: 'saker_rules_loaded',
      help: 'Rules of the running rule set that are evaluated (enabled), per source of rules.sources.',
      labelNames: ['source'],
      registers,
      collect() {
        this.reset();
        for (const [source, n] of Object.entries(rules.status.enabledBySource)) this.set({ source }, n);
      },
    });
    new Gauge({
      name: 'saker_rules_loaded_timestamp_seconds',
      help: 'When the running rules were loaded (at start-up or by the last successful reload).',
      registers,
      collect() {
        this.set(rules.status.loadedAt / 1000);
      },
    });
    new Gauge({
      name: 'saker_rules_last_reload_success',
      help: 'Whether the last rules reload (SIGHUP or a changed rule file) loaded; 0: it failed and the previous rules are still running (the errors are in the log). 1 before any reload.',
      registers,
      collect() {
        this.set(rules.status.lastReload?.ok === false ? 0 : 1);
      },
    });
    new Gauge({
      name: 'saker_rules_last_reload_timestamp_seconds',
      help: 'When the last rules reload ended, whatever its outcome (the start-up load before any reload).',
      registers,
      collect() {
        const s = rules.status;
        this.set((s.lastReload?.at ?? s.loadedAt) / 1000);
      },
    });
    new Gauge({
      name: 'saker_rules_last_reload_errors',
      help: 'Errors reported by the last rules reload (0 when it loaded).',
      registers,
      collect() {
        this.set(rules.status.lastReload?.errors ?? 0);
      },
    });
    new Counter({
      name: 'saker_rules_reloads_total',
      help: 'Rules reloads since start, by result (success, failure: the previous rules kept running).',
      labelNames: ['result'],
      registers,
      collect() {
        // The counts live in the rules; both series exist from the start so that increase() sees the first failure.
        const { succeeded, failed } = rules.status.reloads;
        this.reset();
        this.inc({ result: 'success' }, succeeded);
        this.inc({ result: 'failure' }, failed);
      },
    });
  }

  /** The same output, with its sends measured. */
  meter(output: Output): Output {
    const name = output.name;
    const metrics = this;
    return {
      name,
      get maxBatch() {
        return output.maxBatch;
      },
      start: output.start ? () => output.start!() : undefined,
      close: () => output.close(),
      async send(alerts: Alert[], ctx: SendContext): Promise<void> {
        const started = performance.now();
        if (ctx.attempt > 1) metrics.retries.inc({ output: name }, alerts.length);
        try {
          await output.send(alerts, ctx);
          metrics.delivered(name, alerts.length, ctx);
        } catch (err) {
          metrics.failed(name, alerts.length, ctx, err);
          throw err;
        } finally {
          metrics.sendDuration.observe({ output: name }, (performance.now() - started) / 1000);
        }
      },
    };
  }

  async render(): Promise<{ contentType: string; body: string }> {
    if (!this.elsewhere) return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    const [here, there] = await Promise.all([this.registry.getMetricsAsJSON(), this.elsewhere()]);
    // Series of the same name and labels are added up; a metric only one side has is kept as it is (some of
    // the process metrics would be dropped by their own cluster aggregators).
    const shared = new Set(there.map((metric) => metric.name));
    for (const metric of here) metric.aggregator = shared.has(metric.name) ? 'sum' : 'first';
    for (const metric of there) metric.aggregator = 'sum';
    const merged = AggregatorRegistry.aggregate([here, there]);
    return { contentType: this.registry.contentType, body: await merged.metrics() };
  }

  private delivered(output: string, count: number, ctx: SendContext): void {
    if (count <= 0) return;
    this.outputs.inc({ output, status: 'delivered' }, count);
    if (ctx.enqueuedAt !== undefined) {
      const seconds = Math.max(0, (Date.now() - ctx.enqueuedAt) / 1000);
      // Every alert of the batch waited as long; the labelled child skips re-hashing the labels each time.
      const histogram = this.latency.labels({ output });
      for (let i = 0; i < count; i++) histogram.observe(seconds);
    }
  }

  private failed(output: string, count: number, ctx: SendContext, err: unknown): void {
    if (err instanceof PartialDeliveryError) {
      let retryable = 0;
      for (const failure of err.failures.values()) if (failure.retryable) retryable++;
      this.delivered(output, count - err.failures.size, ctx);
      if (retryable > 0) this.outputs.inc({ output, status: 'retryable_error' }, retryable);
      if (err.failures.size > retryable) this.outputs.inc({ output, status: 'permanent_error' }, err.failures.size - retryable);
      return;
    }
    // Unclassified errors are retried by the queue (delivery.ts), so they count as retryable here too.
    const permanent = err instanceof DeliveryError && !err.retryable;
    this.outputs.inc({ output, status: permanent ? 'permanent_error' : 'retryable_error' }, count);
  }
}
