import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, sectionValues, type LoadedConfig } from '../../src/config/loader.js';
import { allSections } from '../../src/config/sections.js';
import { readServiceConfig } from '../../src/config/service-config.js';

const dir = mkdtempSync(join(tmpdir(), 'saker-config-'));
let n = 0;
function yamlFile(text: string): string {
  const file = join(dir, `config-${n++}.yaml`);
  writeFileSync(file, text);
  return file;
}

function load(options: { yaml?: string; env?: Record<string, string>; overrides?: Record<string, string> } = {}): LoadedConfig {
  return loadConfig({ file: options.yaml === undefined ? undefined : yamlFile(options.yaml), env: options.env ?? {}, overrides: options.overrides, sections: allSections() });
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration defaults', () => {
  it('starts with the embedded defaults: port 2801, stdout on, webhook off', () => {
    const config = load();
    expect(sectionValues(config, '')['listenport']).toBe(2801);
    expect(sectionValues(config, 'stdout')['enabled']).toBe(true);
    expect(sectionValues(config, 'webhook')['address']).toBe('');
    expect(sectionValues(config, 'webhook')['timeout']).toBe(10_000);
    expect(sectionValues(config, 'webhook')['minimumpriority']).toBeUndefined();
    expect(config.warnings).toEqual([]);
  });
});

describe('configuration from a YAML file', () => {
  it('reads Falcosidekick-style keys case-insensitively, keeping the case of map keys', () => {
    const config = load({
      yaml: [
        'listenport: 3000',
        'customfields:',
        '  Environment: prod',
        'customtags: [team-a, eu]',
        'webhook:',
        '  address: http://sink:8080/alerts',
        '  minimumpriority: WARNING',
        '  customHeaders:',
        '    Authorization: Bearer abc',
        '  rules:',
        '    deny: [Noisy rule]',
        '  timeout: 2s',
      ].join('\n'),
    });
    expect(sectionValues(config, '')['listenport']).toBe(3000);
    expect(sectionValues(config, '')['customfields']).toEqual({ Environment: 'prod' });
    expect(sectionValues(config, '')['customtags']).toEqual(['team-a', 'eu']);
    const webhook = sectionValues(config, 'webhook');
    expect(webhook['address']).toBe('http://sink:8080/alerts');
    expect(webhook['minimumpriority']).toBe('Warning');
    expect(webhook['customheaders']).toEqual({ Authorization: 'Bearer abc' });
    expect(webhook['rules.deny']).toEqual(['Noisy rule']);
    expect(webhook['timeout']).toBe(2000);
    expect(config.secrets).toEqual(expect.arrayContaining(['http://sink:8080/alerts', 'Bearer abc']));
  });

  it('reports every bad value with file:line:column and the key', () => {
    const file = yamlFile(['listenport: 99999', 'webhook:', '  minimumpriority: warn', '  timeout: soon'].join('\n'));
    const found = problems(() => loadConfig({ file, env: {}, sections: allSections() }));
    expect(found).toEqual([
      `${file}:1:1: listenport: 99999 is above the maximum of 65535`,
      `${file}:3:3: webhook.minimumpriority: 'warn' is not a priority; use one of Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug (case-insensitive) or info`,
      `${file}:4:3: webhook.timeout: 'soon' is not a duration; write 500ms, 10s, 2m, 1h or a number of milliseconds`,
    ]);
  });

  it('warns about unknown keys, with a suggestion, and ignores them', () => {
    const file = yamlFile(['listenprot: 3000', 'webhook:', '  adress: http://x', 'teams:', '  webhookurl: https://hooks'].join('\n'));
    const config = loadConfig({ file, env: {}, sections: allSections() });
    expect(config.warnings).toEqual([
      `${file}:1:1: unknown key 'listenprot' ignored (did you mean 'listenport'?)`,
      `${file}:3:3: unknown key 'webhook.adress' ignored (did you mean 'webhook.address'?)`,
      `${file}:4:1: saker has no 'teams' output (Falcosidekick's); its settings are ignored`,
    ]);
    expect(sectionValues(config, '')['listenport']).toBe(2801);
  });

  it('reports YAML syntax errors with their position', () => {
    const file = yamlFile('webhook:\n  address: [unclosed\n');
    expect(problems(() => loadConfig({ file, env: {}, sections: allSections() }))[0]).toMatch(new RegExp(`^${file}:\\d+:\\d+: `));
  });

  it('says when the file cannot be read', () => {
    expect(problems(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {}, sections: allSections() }))[0]).toContain('missing.yaml: cannot read the configuration file');
  });
});

describe('configuration from the environment', () => {
  it('uses Falcosidekick names, overriding the file; flags override both', () => {
    const config = load({
      yaml: 'listenport: 3000\nwebhook:\n  address: http://from-file\n',
      env: {
        LISTENPORT: '4000',
        WEBHOOK_ADDRESS: 'http://from-env',
        WEBHOOK_MINIMUMPRIORITY: 'error',
        WEBHOOK_CUSTOMHEADERS: 'Authorization:Bearer xyz,X-Team:sec',
        WEBHOOK_TAGS_ALLOW: 'mitre, k8s',
        CUSTOMFIELDS: 'env:prod,url:http://a:b',
        STDOUT_ENABLED: 'false',
        REDIS_URL: 'redis://redis:6379',
      },
      overrides: { listenport: '5000' },
    });
    expect(sectionValues(config, '')['listenport']).toBe(5000);
    expect(sectionValues(config, '')['customfields']).toEqual({ env: 'prod', url: 'http://a:b' });
    const webhook = sectionValues(config, 'webhook');
    expect(webhook['address']).toBe('http://from-env');
    expect(webhook['minimumpriority']).toBe('Error');
    expect(webhook['customheaders']).toEqual({ Authorization: 'Bearer xyz', 'X-Team': 'sec' });
    expect(webhook['tags.allow']).toEqual(['mitre', 'k8s']);
    expect(sectionValues(config, 'stdout')['enabled']).toBe(false);
    expect(sectionValues(config, 'redis')['url']).toBe('redis://redis:6379');
  });

  it('names the variable in errors, and an unknown minimumpriority is an error', () => {
    expect(problems(() => load({ env: { WEBHOOK_MINIMUMPRIORITY: 'warn', LISTENPORT: 'http', STDOUT_ENABLED: 'maybe' } }))).toEqual([
      "listenport (environment variable LISTENPORT): 'http' is not an integer",
      "stdout.enabled (environment variable STDOUT_ENABLED): 'maybe' is not a boolean; write true or false",
      "webhook.minimumpriority (environment variable WEBHOOK_MINIMUMPRIORITY): 'warn' is not a priority; use one of Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug (case-insensitive) or info",
    ]);
  });

  it('treats an empty variable as unset, and tolerates a DEBUG meant for other software', () => {
    const config = load({ env: { LISTENPORT: '', DEBUG: 'express:*' } });
    expect(sectionValues(config, '')['listenport']).toBe(2801);
    expect(config.warnings).toEqual(["environment variable DEBUG: 'express:*' is not a boolean; write true or false; ignored"]);
  });

  it("ignores, with a warning, Kubernetes service links that land on a key's name", () => {
    const config = load({ env: { SYSLOG_HOST: 'siem', SYSLOG_PORT: 'tcp://10.0.0.9:514', SYSLOG_SERVICE_HOST: '10.0.0.9' } });
    expect(sectionValues(config, 'syslog')['port']).toBeUndefined();
    expect(config.warnings).toEqual([
      "environment variable SYSLOG_PORT: 'tcp://10.0.0.9:514' is a Kubernetes service link (a Service named like the section), not a saker setting; ignored (set syslog.port in the file, or enableServiceLinks: false in the pod)",
    ]);
  });

  it('warns about misspelt variables of known sections', () => {
    const config = load({ env: { WEBHOOK_ADRESS: 'http://x', REDIS_HOST: 'redis', PATH: '/bin' } });
    expect(config.warnings).toEqual(['environment variable WEBHOOK_ADRESS is not a saker setting; ignored (did you mean WEBHOOK_ADDRESS?)']);
  });
});

describe("Falcosidekick's outputs that saker does not have", () => {
  it('are named in a warning, for YAML sections with their position', () => {
    const file = yamlFile(
      [
        'loki:',
        '  hostport: http://loki:3100',
        'aws:',
        '  region: eu-west-1',
        '  lambda:',
        '    functionname: respond',
        'rocketchat:',
        '  webhookurl: ""',
        '  minimumpriority: ""',
        'redis:',
        '  url: redis://queue:6379',
        '  address: cache:6379',
        'prometheus:',
        '  extralabels: source',
      ].join('\n'),
    );
    const config = loadConfig({ file, env: {}, sections: allSections() });
    expect(config.warnings).toEqual([
      `${file}:1:1: saker has no 'loki' output (Falcosidekick's); its settings are ignored`,
      `${file}:3:1: saker has no 'aws.lambda' output (Falcosidekick's); its settings are ignored`,
      `${file}:12:3: saker has no 'redis' output (Falcosidekick's); its settings are ignored (saker's own \`redis\` section configures its queue: redis.url)`,
      `${file}:13:1: saker has no 'prometheus' output (Falcosidekick's); its settings are ignored (saker's own metrics are at GET /metrics: see metrics.alertlabels)`,
    ]);
    expect(sectionValues(config, 'redis')['url']).toBe('redis://queue:6379');
  });

  it('are named for environment variables, one warning per output, leaving other software\'s variables alone', () => {
    const config = load({
      env: {
        LOKI_HOSTPORT: 'http://loki:3100',
        LOKI_MINIMUMPRIORITY: 'warning',
        DATADOG_LOGS_APIKEY: 'k',
        AWS_SQS_URL: 'https://sqs/q',
        REDIS_ADDRESS: 'cache:6379',
        // Not Falcosidekick's: the AWS SDKs' variables, Kubernetes service links, saker's own REDIS_URL.
        AWS_REGION: 'eu-west-1',
        AWS_ROLE_ARN: 'arn:aws:iam::1:role/x',
        LOKI_SERVICE_HOST: '10.0.0.7',
        LOKI_PORT: 'tcp://10.0.0.7:3100',
        LOKI_PORT_3100_TCP_ADDR: '10.0.0.7',
        WEBHOOK_SERVICE_PORT: '80',
        REDIS_URL: 'redis://queue:6379',
        TEAMS_WEBHOOKURL: '',
      },
    });
    expect(config.warnings).toEqual([
      "environment variables LOKI_HOSTPORT, LOKI_MINIMUMPRIORITY: saker has no 'loki' output (Falcosidekick's); its settings are ignored",
      "environment variable DATADOG_LOGS_APIKEY: saker has no 'datadoglogs' output (Falcosidekick's); its settings are ignored",
      "environment variable AWS_SQS_URL: saker has no 'aws.sqs' output (Falcosidekick's); its settings are ignored",
      "environment variable REDIS_ADDRESS: saker has no 'redis' output (Falcosidekick's); its settings are ignored (saker's own `redis` section configures its queue: redis.url)",
    ]);
  });
});

describe('the service settings', () => {
  it('derives the log level from debug, and refuses mutual TLS without TLS', () => {
    expect(readServiceConfig(load({ env: { DEBUG: 'true' } })).log.level).toBe('debug');
    expect(problems(() => readServiceConfig(load({ env: { TLSSERVER_MUTUALTLS: 'true' } })))).toEqual([
      'tlsserver.mutualtls: needs tlsserver.deploy: true (mutual TLS is part of TLS)',
    ]);
    expect(problems(() => readServiceConfig(load({ env: { TLSSERVER_DEPLOY: 'true', TLSSERVER_CERTFILE: '/nonexistent/c.pem' } })))[0]).toBe(
      "tlsserver.certfile: cannot read '/nonexistent/c.pem': ENOENT",
    );
  });
});

describe('client TLS files for outputs', () => {
  it('come from mutualtlsclient.*, else from mutualtlsfilespath as in Falcosidekick', () => {
    expect(readServiceConfig(load({ env: { MUTUALTLSFILESPATH: '/etc/certs' } })).clientTls).toEqual({
      certFile: '/etc/certs/client.crt',
      keyFile: '/etc/certs/client.key',
      mutualCaCertFile: '/etc/certs/ca.crt',
      caCertFile: '',
    });
    const explicit = readServiceConfig(load({ env: { MUTUALTLSFILESPATH: '/etc/certs', MUTUALTLSCLIENT_CERTFILE: '/x/c.pem', TLSCLIENT_CACERTFILE: '/x/ca.pem' } }));
    expect(explicit.clientTls).toMatchObject({ certFile: '/x/c.pem', keyFile: '/etc/certs/client.key', caCertFile: '/x/ca.pem' });
  });
});

describe('key declarations', () => {
  it('give every key a distinct environment name and a doc', () => {
    // loadConfig throws on a clash; this also guards the sections that other parts add.
    expect(() => load()).not.toThrow();
    for (const section of allSections()) for (const key of section.keys) expect(key.doc, `${section.name}.${key.name}`).not.toBe('');
  });
});
