// Labels an operator may add to `saker_alerts_total` (`metrics.alertlabels`). Off by default: each one
// multiplies the series by the values the alerts carry (a series per rule, per host, per pod).

import type { Alert } from '../alert.js';

export const ALERT_LABELS = ['source', 'rule', 'hostname', 'k8s_ns_name', 'k8s_pod_name'] as const;
export type AlertLabel = (typeof ALERT_LABELS)[number];

export function isAlertLabel(name: string): name is AlertLabel {
  return (ALERT_LABELS as readonly string[]).includes(name);
}

export function alertLabelValue(alert: Alert, label: AlertLabel): string {
  switch (label) {
    case 'source':
      return alert.source;
    case 'rule':
      return alert.rule;
    case 'hostname':
      return alert.hostname;
    case 'k8s_ns_name':
      return String(alert.output_fields['k8s.ns.name'] ?? '');
    case 'k8s_pod_name':
      return String(alert.output_fields['k8s.pod.name'] ?? '');
  }
}
