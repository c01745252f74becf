// The `k8saudit` configuration section: the audit webhook endpoint (POST /k8s-audit).

import { availableParallelism } from 'node:os';
import { sectionValues, type LoadedConfig } from '../../src/config/loader.js';
import type { ConfigSection } from '../../src/config/section.js';
import { DEFAULT_MAX_EVENT_BYTES } from './parse.js';

export const K8SAUDIT_SECTION: ConfigSection = {
  name: 'k8saudit',
  doc: 'Kubernetes audit events: the API server\'s audit webhook backend posts to `POST /k8s-audit`',
  checkEnvTypos: true,
  keys: [
    { name: 'enabled', type: 'bool', default: true, doc: 'Serve `POST /k8s-audit` (also needs `k8s_audit` in `rules.sources`)' },
    { name: 'maxbodybytes', type: 'int', default: 12 * 1024 * 1024, min: 1024, doc: 'Largest request body (one batch of events) accepted, in bytes; larger ones get 413' },
    { name: 'maxeventbytes', type: 'int', default: DEFAULT_MAX_EVENT_BYTES, min: 1024, doc: 'Largest single audit event, in bytes of JSON; larger events are reported and skipped, the rest of the batch goes on' },
    {
      name: 'threads',
      type: 'int',
      default: -1,
      min: -1,
      max: 64,
      doc: 'Threads that read and evaluate `POST /k8s-audit` bodies while the main thread serves HTTP and routes the alerts: -1 picks one per core; 0 evaluates on the main thread',
    },
    { name: 'clustername', type: 'string', default: '', doc: 'Value of `ka.cluster.name` for events that do not name their cluster (a `?cluster=NAME` on the webhook URL wins)' },
  ],
};

export interface K8sAuditSettings {
  enabled: boolean;
  maxBodyBytes: number;
  maxEventBytes: number;
  clusterName: string;
  /** Evaluation threads; 0: none, the main thread evaluates. */
  threads: number;
}

/**
 * -1 (the default): one thread per core. The main thread spends a fifth of a core or less per core of
 * evaluation (reading bodies, routing, delivering), so leaving it a core of its own wasted one: on 2 cores,
 * two threads took 9 % more events/s than one (README, "Kubernetes audit events").
 */
export function evaluationThreads(configured: number, cores = availableParallelism()): number {
  return configured >= 0 ? configured : Math.max(1, cores);
}

export function readK8sAuditSettings(config: LoadedConfig): K8sAuditSettings {
  const v = sectionValues(config, 'k8saudit');
  return {
    enabled: v['enabled'] as boolean,
    maxBodyBytes: v['maxbodybytes'] as number,
    maxEventBytes: v['maxeventbytes'] as number,
    clusterName: v['clustername'] as string,
    threads: evaluationThreads(v['threads'] as number),
  };
}
