// Starts saker in-process, through the same composition root as `saker run`, with a configuration from an
// environment object (and optional YAML), on a free loopback port, logging into memory.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/loader.js';
import { allSections } from '../../src/config/sections.js';
import { createLogger } from '../../src/logging.js';
import { startService, type RunningService } from '../../src/service.js';

export interface TestService extends RunningService {
  /** Log lines, parsed. */
  logs: Array<Record<string, unknown>>;
  rawLogs: string[];
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

export const ALERT = {
  time: '2026-11-29T01:02:03.123456789Z',
  rule: 'Terminal shell in container',
  priority: 'Notice',
  source: 'syscall',
  output: '01:02:03.123456789: Notice A shell was spawned in a container (user=root)',
  output_fields: { 'user.name': 'root', 'proc.name': 'bash' },
  tags: ['container', 'shell'],
  hostname: 'node-1',
};

export function alert(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...ALERT, output_fields: { ...ALERT.output_fields }, tags: [...ALERT.tags], ...overrides };
}

export async function startTestService(options: { env?: Record<string, string>; yaml?: string; secrets?: string[] } = {}): Promise<TestService> {
  let file: string | undefined;
  if (options.yaml !== undefined) {
    file = join(mkdtempSync(join(tmpdir(), 'saker-svc-')), 'config.yaml');
    writeFileSync(file, options.yaml);
  }
  const config = loadConfig({
    file,
    env: { LISTENADDRESS: '127.0.0.1', LISTENPORT: '0', STDOUT_ENABLED: 'false', LOG_LEVEL: 'debug', ...options.env },
    sections: allSections(),
  });
  const rawLogs: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const logger = await createLogger({
    level: 'debug',
    format: 'json',
    secrets: config.secrets,
    destination: {
      write: (line: string) => {
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  const running = await startService(config, { logger });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${running.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return Object.assign(running, { logs, rawLogs, post });
}
