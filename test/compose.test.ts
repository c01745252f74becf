// There is no Docker engine here: the compose file and the Dockerfile are checked by reading them, and the
// health-check command is run for real against a running saker.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envName } from '../src/config/section.js';
import { allSections } from '../src/config/sections.js';
import { SAKER_NODE_FLAGS } from '../src/node-flags.js';
import { HAVE_OPENSSL, makePki } from './helpers/certs.js';
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

/** Runs a health-check command as Docker would, in the image's working directory (the repository, built). */
function run(command: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const [program, ...args] = command;
  return new Promise((resolve) =>
    execFile(program === 'node' ? process.execPath : program!, args, { timeout: 10_000, cwd: fileURLToPath(root), env: { PATH: process.env['PATH'] ?? '', ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
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

  it('health-checks Redis with redis-cli ping and saker with `saker health`, and gives saker time to drain', () => {
    expect(redis!['healthcheck']['test']).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(saker!['healthcheck']['test']).toEqual(['CMD', 'node', 'dist/src/cli.js', 'health']);
    const grace = /^(\d+)s$/.exec(saker!['stop_grace_period'] as string);
    expect(Number(grace?.[1])).toBeGreaterThan(10); // saker's default shutdowntimeout
  });

  it("saker's health check follows LISTENPORT: it passes against a healthy saker and fails once it stops", async () => {
    const service = await startTestService();
    const command = (saker!['healthcheck']['test'] as string[]).slice(1);
    // The service's own environment, with the port this test's saker got.
    const env = { ...environment(saker!), LISTENPORT: String(service.port) };
    try {
      const healthy = await run(command, env);
      expect(healthy.stderr).toBe('');
      expect(healthy.code).toBe(0);
      expect(healthy.stdout).toBe(`healthy: {"status":"ok"} (http://127.0.0.1:${service.port}/healthz)\n`);
    } finally {
      await service.stop();
    }
    const down = await run(command, env);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`saker health: unhealthy: cannot reach saker at http://127.0.0.1:${service.port}`);
  });
});

describe.skipIf(!HAVE_OPENSSL)(`saker's health check with TLS${HAVE_OPENSSL ? '' : ' (skipped: no openssl command to make certificates)'}`, () => {
  const command = ['node', 'dist/src/cli.js', 'health'];

  it('asks over HTTPS when tlsserver.deploy is on, and over plain HTTP on notlsport when /healthz is in notlspaths', async () => {
    const pki = makePki();
    const tlsEnv = { TLSSERVER_DEPLOY: 'true', TLSSERVER_CERTFILE: pki.serverCertFile, TLSSERVER_KEYFILE: pki.serverKeyFile };
    const tls = await startTestService({ env: tlsEnv });
    try {
      const healthy = await run(command, { ...tlsEnv, LISTENPORT: String(tls.port) });
      expect(healthy.stdout).toContain(`(https://127.0.0.1:${tls.port}/healthz)`);
      expect(healthy.code).toBe(0);
    } finally {
      await tls.stop();
    }

    const mutualEnv = { ...tlsEnv, TLSSERVER_MUTUALTLS: 'true', TLSSERVER_CACERTFILE: pki.caFile };
    const mutual = await startTestService({ env: { ...mutualEnv, TLSSERVER_NOTLSPATHS: '/healthz', TLSSERVER_NOTLSPORT: '0' } });
    try {
      const plainPort = new URL(mutual.plainUrl!).port;
      const healthy = await run(command, { ...mutualEnv, LISTENPORT: String(mutual.port), TLSSERVER_NOTLSPATHS: '/healthz', TLSSERVER_NOTLSPORT: plainPort });
      expect(healthy.stdout).toContain(`(http://127.0.0.1:${plainPort}/healthz)`);
      expect(healthy.code).toBe(0);
      // Without /healthz in notlspaths, a check with no client certificate cannot pass: it says what to do.
      const refused = await run(command, { ...mutualEnv, LISTENPORT: String(mutual.port) });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('tlsserver.mutualtls is on and /healthz is not in tlsserver.notlspaths');
      const withCert = await run([...command, '--cert', pki.clientCertFile, '--key', pki.clientKeyFile], { ...mutualEnv, LISTENPORT: String(mutual.port) });
      expect(withCert.code).toBe(0);
    } finally {
      await mutual.stop();
    }
  });
});

describe('Dockerfile', () => {
  it('builds with npm ci, runs the built CLI as a non-root user, and exposes 2801', () => {
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toContain('RUN npm ci');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^EXPOSE 2801$/m);
    expect(dockerfile).toContain(`ENTRYPOINT ["node", ${SAKER_NODE_FLAGS.map((f) => `"${f}"`).join(', ')}, "dist/src/cli.js"]`);
    expect(dockerfile).toContain('CMD ["run"]');
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "dist\/src\/cli.js", "health"\]$/m);
    expect(dockerfile).not.toContain('2801/healthz');
  });
});
