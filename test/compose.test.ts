// There is no Docker engine here: the compose file and the Dockerfile are checked by reading them, and the
// health-check command is run for real against a running saker.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envName } from '../src/config/section.js';
import { allSections } from '../src/config/sections.js';
import { startTestService } from './helpers/service.js';

const root = new URL('../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8')) as {
  services: Record<string, Record<string, any>>;
  volumes?: Record<string, unknown>;
};
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');

function environment(service: Record<string, any>): Record<string, string> {
  const env = service['environment'] ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((e: string) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

function run(command: string[]): Promise<number> {
  return new Promise((resolve) => execFile(command[0]!, command.slice(1), { timeout: 10_000 }, (err) => resolve(err ? ((err as { code?: number }).code ?? 1) : 0)));
}

describe('docker-compose.yml', () => {
  const { saker, redis } = compose.services;

  it('has saker, built from the repository, and Redis', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['redis', 'saker']);
    expect(saker!['build']).toBe('.');
    expect(existsSync(new URL('Dockerfile', root))).toBe(true);
    expect(redis!['image']).toMatch(/^redis:\d/);
  });

  it('publishes saker on 2801 and starts it after Redis is healthy', () => {
    expect(saker!['ports']).toContain('2801:2801');
    expect(environment(saker!)['LISTENPORT']).toBe('2801');
    expect(saker!['depends_on']).toEqual({ redis: { condition: 'service_healthy' } });
  });

  it('sets only environment variables that saker reads', () => {
    const known = new Set(allSections().flatMap((s) => s.keys.flatMap((k) => [k.name, ...(k.aliases ?? [])].map((n) => envName(s.name, n)))));
    const env = environment(saker!);
    expect(Object.keys(env).length).toBeGreaterThan(0);
    for (const name of Object.keys(env)) expect(known.has(name), `${name} is not a saker setting`).toBe(true);
    expect(env['REDIS_URL']).toBe('redis://redis:6379');
  });

  it('configures Redis so that queued alerts survive and are never evicted', () => {
    const command = (redis!['command'] as string[]).join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(redis!['volumes']).toEqual(['redis-data:/data']);
    expect(compose.volumes).toHaveProperty('redis-data');
  });

  it('health-checks Redis with redis-cli ping and saker on /healthz, and gives saker time to drain', () => {
    expect(redis!['healthcheck']['test']).toEqual(['CMD', 'redis-cli', 'ping']);
    const test = saker!['healthcheck']['test'] as string[];
    expect(test[0]).toBe('CMD');
    expect(test.join(' ')).toContain('http://127.0.0.1:2801/healthz');
    const grace = /^(\d+)s$/.exec(saker!['stop_grace_period'] as string);
    expect(Number(grace?.[1])).toBeGreaterThan(10); // saker's default shutdowntimeout
  });

  it("saker's health check command passes against a healthy saker and fails once it stops", async () => {
    const service = await startTestService();
    const command = (saker!['healthcheck']['test'] as string[]).slice(1).map((a) => a.replace('2801', String(service.port)));
    expect(command[0]).toBe('node');
    command[0] = process.execPath;
    try {
      expect(await run(command)).toBe(0);
    } finally {
      await service.stop();
    }
    expect(await run(command)).not.toBe(0);
  });
});

describe('Dockerfile', () => {
  it('builds with npm ci, runs the built CLI as a non-root user, and exposes 2801', () => {
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toContain('RUN npm ci');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^EXPOSE 2801$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "dist/src/cli.js"]');
    expect(dockerfile).toContain('CMD ["run"]');
    expect(dockerfile).toContain('/healthz');
  });
});
