// What `saker replay` says at the end, on stderr: what it read, what it could not use, and Falco's own
// end-of-run statistics ("Events detected", "Rule counts by severity", "Triggered rules by rule name").

import { PRIORITIES, type Alert, type Priority } from '../alert.js';

// Falco prints severities with its short names, upper-cased.
const SHORT: Record<Priority, string> = {
  Emergency: 'EMERGENCY',
  Alert: 'ALERT',
  Critical: 'CRITICAL',
  Error: 'ERROR',
  Warning: 'WARNING',
  Notice: 'NOTICE',
  Informational: 'INFO',
  Debug: 'DEBUG',
};

export class ReplayStats {
  readonly eventsBySource = new Map<string, number>();
  unusable = 0;
  alerts = 0;
  private readonly byPriority = new Map<Priority, number>();
  private readonly byRule = new Map<string, number>();

  countEvents(source: string, n: number): void {
    this.eventsBySource.set(source, (this.eventsBySource.get(source) ?? 0) + n);
  }

  countAlert(alert: Alert): void {
    this.alerts++;
    this.byPriority.set(alert.priority, (this.byPriority.get(alert.priority) ?? 0) + 1);
    this.byRule.set(alert.rule, (this.byRule.get(alert.rule) ?? 0) + 1);
  }

  get events(): number {
    let n = 0;
    for (const v of this.eventsBySource.values()) n += v;
    return n;
  }

  /** Rules are listed in `ruleOrder` (load order, as Falco lists them), then any other in first-alert order. */
  format(ruleOrder: readonly string[] = []): string {
    const sources = [...this.eventsBySource].map(([s, n]) => `${s}: ${n}`).join(', ');
    let out = `Events read: ${this.events}${sources ? ` (${sources})` : ''}, unusable: ${this.unusable}\n`;
    out += `Events detected: ${this.alerts}\n`;
    out += 'Rule counts by severity:\n';
    for (const p of PRIORITIES) {
      const n = this.byPriority.get(p);
      if (n) out += `   ${SHORT[p]}: ${n}\n`;
    }
    out += 'Triggered rules by rule name:\n';
    const listed = new Set<string>();
    for (const rule of [...ruleOrder, ...this.byRule.keys()]) {
      const n = this.byRule.get(rule);
      if (!n || listed.has(rule)) continue;
      listed.add(rule);
      out += `   ${rule}: ${n}\n`;
    }
    return out;
  }
}
