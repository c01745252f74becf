// The router: enriches alerts (custom fields and tags, hostname when missing), hands each output the alerts
// its filter accepts, and enqueues them all at once. Every producer of alerts — the Falco webhook, the
// capture sources — calls `route`.

import type { Alert } from '../alert.js';
import type { AlertQueue, Delivery } from '../queue/queue.js';
import type { AlertFilter } from './filter.js';

export interface RoutedOutput {
  name: string;
  /** null = every alert. */
  filter: AlertFilter | null;
}

export interface Enrichment {
  /** Added to `output_fields`, replacing fields of the same name (as Falcosidekick's customfields). */
  customFields: Readonly<Record<string, string>>;
  /** Appended to `tags` when missing. */
  customTags: readonly string[];
  /** For alerts whose `hostname` is empty. */
  hostname: string;
}

export class Router {
  private readonly fields: Array<[string, string]>;

  constructor(
    private readonly queue: AlertQueue,
    readonly outputs: readonly RoutedOutput[],
    private readonly enrichment: Enrichment,
  ) {
    this.fields = Object.entries(enrichment.customFields);
  }

  get outputNames(): string[] {
    return this.outputs.map((o) => o.name);
  }

  /**
   * Enriches the alerts (in place: the caller hands them over), filters them per output and enqueues them.
   * Resolves once the queue holds them all; rejects with QueueUnavailableError when it cannot take them, and
   * then none was queued. Alerts that no output accepts are dropped here, by the user's filters.
   */
  route(alerts: Alert[]): Promise<void> {
    for (const alert of alerts) this.enrich(alert);
    const deliveries: Delivery[] = [];
    for (const { name, filter } of this.outputs) {
      const accepted = filter === null ? alerts : alerts.filter(filter);
      if (accepted.length > 0) deliveries.push({ output: name, alerts: accepted });
    }
    return deliveries.length === 0 ? Promise.resolve() : this.queue.enqueue(deliveries);
  }

  /** Sends one alert to every output, ignoring their filters (`POST /test`); resolves to the outputs' names. */
  async routeToAll(alert: Alert): Promise<string[]> {
    this.enrich(alert);
    const names = this.outputNames;
    if (names.length > 0) await this.queue.enqueue(names.map((output) => ({ output, alerts: [alert] })));
    return names;
  }

  private enrich(alert: Alert): void {
    if (alert.hostname === '') alert.hostname = this.enrichment.hostname;
    // New objects rather than in-place edits: an alert's fields and tags may be shared (a rule's tag list).
    if (this.fields.length > 0) {
      const fields = { ...alert.output_fields };
      for (const [k, v] of this.fields) fields[k] = v;
      alert.output_fields = fields;
    }
    const tags = this.enrichment.customTags;
    if (tags.length > 0) {
      const missing = tags.filter((t) => !alert.tags.includes(t));
      if (missing.length > 0) alert.tags = [...alert.tags, ...missing];
    }
  }
}
