// Shared by the output suites: alerts, a logger whose lines a test can read (to prove secrets stay out),
// and a way to build an output module the way the service will.

import { pino } from 'pino';
import type { Alert } from '../../src/alert.js';
import type { DeliveryPolicy } from '../../src/queue/queue.js';
import type { Output, OutputConfig, OutputModule } from '../../outputs/output.js';

export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    uuid: '6a1f2a4e-6f6b-4a0c-9d5e-3f2b1c0d9e8a',
    time: '2026-11-29T01:02:03.123456789Z',
    rule: 'Terminal shell in container',
    priority: 'Warning',
    source: 'syscall',
    output:
      '01:02:03.123456789: Warning A shell was spawned in a container (user=root container_id=0123456789ab container_name=web shell=bash)',
    output_fields: {
      'container.id': '0123456789ab',
      'container.name': 'web',
      'proc.name': 'bash',
      'user.name': 'root',
      'k8s.ns.name': 'prod',
      'evt.time': 1795914123123456789,
    },
    tags: ['container', 'shell', 'mitre_execution'],
    hostname: 'node-1',
    ...overrides,
  };
}

export interface CapturedLogger {
  logger: import('pino').Logger;
  lines: string[];
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

/** Builds an output as the service does: declared defaults, then the given values. */
export function build(module: OutputModule, values: OutputConfig, opts: { timeoutMs?: number; logger?: import('pino').Logger } = {}): Output {
  const config: OutputConfig = {};
  for (const key of module.keys) if (key.default !== undefined) config[key.name] = key.default;
  Object.assign(config, values);
  if (!module.isEnabled(config)) throw new Error(`${module.type} is not enabled by ${JSON.stringify(Object.keys(values))}`);
  return module.create(config, {
    logger: opts.logger ?? pino({ level: 'silent' }),
    hostname: 'saker-test',
    timeoutMs: opts.timeoutMs ?? 5000,
  });
}

export function policy(overrides: Partial<DeliveryPolicy> = {}): DeliveryPolicy {
  return { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, timeoutMs: 5000, concurrency: 1, ...overrides };
}
