// Every route group of the HTTP API, one line each (capture sources and /metrics add theirs here).

import { jsonEventRoutes } from '../../capture/json/route.js';
import { k8sAuditRoutes } from '../../capture/k8saudit/route.js';
import { alertRoutes } from './alerts.js';
import { dlqRoutes } from './dlq.js';
import { metricsRoutes } from './metrics-route.js';
import type { RoutePlugin } from './plugin.js';
import { probeRoutes } from './probes.js';
import { testAlertRoutes } from './test-alert.js';

export const ROUTE_PLUGINS: readonly RoutePlugin[] = [
  probeRoutes,
  alertRoutes,
  testAlertRoutes,
  dlqRoutes,
  metricsRoutes,
  k8sAuditRoutes,
  jsonEventRoutes,
];
