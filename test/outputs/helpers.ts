// Shared by the output suites: alerts, a logger whose lines a test can read (to prove secrets stay out),
// and a way to build an output module the way the service does: its section's values resolved by the real
// config loader from YAML, then `create` with a context.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import type { Alert } from '../../src/alert.js';
import { loadConfig, sectionValues } from '../../src/config/loader.js';
import { outputSection } from '../../src/config/output-keys.js';
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

let configDir: string | undefined;

/** The section's values as `saker run` would resolve them from this YAML (dotted names nest). */
export function resolveSection(module: OutputModule, values: Record<string, unknown>): OutputConfig {
  const nested: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const path = name.split('.');
    let at = nested;
    for (const part of path.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
    at[path.at(-1)!] = value;
  }
  configDir ??= mkdtempSync(join(tmpdir(), 'saker-outputs-'));
  const file = join(configDir, `${module.type}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify({ [module.type]: nested }));
  return sectionValues(loadConfig({ file, env: {}, sections: [outputSection(module)] }), module.type);
}

export interface BuildOptions {
  timeoutMs?: number;
  logger?: import('pino').Logger;
  /** `tlsclient.cacertfile`: a CA every TLS connection of the output trusts, besides the system's. */
  caCertFile?: string;
}

/** Builds an output as the service does, from YAML-like values. */
export function build(module: OutputModule, values: Record<string, unknown>, opts: BuildOptions = {}): Output {
  const config = resolveSection(module, values);
  if (!module.isEnabled(config)) throw new Error(`${module.type} is not enabled by ${JSON.stringify(Object.keys(values))}`);
  return module.create(config, {
    logger: opts.logger ?? pino({ level: 'silent' }),
    hostname: 'saker-test',
    timeoutMs: opts.timeoutMs ?? 5000,
    clientTls: { certFile: '', keyFile: '', mutualCaCertFile: '', caCertFile: opts.caCertFile ?? '' },
  });
}

export function policy(overrides: Partial<DeliveryPolicy> = {}): DeliveryPolicy {
  return { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, timeoutMs: 5000, concurrency: 1, ...overrides };
}
