// The spine's own settings, typed, from the loaded configuration. Files named by the configuration (TLS
// certificates) are read here, so that an unreadable one stops start-up like any other bad value.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientTlsFiles } from '../../outputs/output.js';
import { resolveRedisQueueOptions, type RedisQueueOptions } from '../queue/redis/options.js';
import { ALERT_LABELS, isAlertLabel, type AlertLabel } from '../server/alert-labels.js';
import { ConfigError, sectionValues, type LoadedConfig } from './loader.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface ServerTls {
  cert: Buffer;
  key: Buffer;
  /** Set with mutual TLS: clients must present a certificate that chains to it. */
  clientCa?: Buffer;
}

export interface ServiceConfig {
  listen: { address: string; port: number; bodyLimit: number };
  tls?: ServerTls;
  /** With TLS: paths also served over plain HTTP on `port` (probes). */
  plain?: { port: number; paths: readonly string[] };
  authTokens: readonly string[];
  enrichment: { customFields: Readonly<Record<string, string>>; customTags: readonly string[] };
  log: { level: LogLevel; format: 'json' | 'pretty' };
  queue: { capacity: number; deadLetters: number; deliveryThread: boolean };
  /** The Redis queue's settings when `redis.url` is set (else the embedded queue). */
  redis?: RedisQueueOptions;
  metrics: { alertLabels: AlertLabel[] };
  shutdownTimeoutMs: number;
  clientTls: ClientTlsFiles;
}

function readPem(path: string, key: string, problems: string[]): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    problems.push(`${key}: cannot read '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return Buffer.alloc(0);
  }
}

/** The spine's settings; throws a ConfigError listing every problem. */
export function readServiceConfig(config: LoadedConfig): ServiceConfig {
  const problems: string[] = [];
  const service = collectServiceConfig(config, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return service;
}

/** The spine's settings, adding problems to `problems` (the settings are then not fit to run with). */
export function collectServiceConfig(config: LoadedConfig, problems: string[]): ServiceConfig {
  const top = sectionValues(config, '');
  const tlsServer = sectionValues(config, 'tlsserver');
  const mtlsClient = sectionValues(config, 'mutualtlsclient');
  const log = sectionValues(config, 'log');
  const queue = sectionValues(config, 'queue');
  const filesPath = top['mutualtlsfilespath'] as string;
  const inFolder = (name: string) => (filesPath === '' ? '' : join(filesPath, name));

  let tls: ServerTls | undefined;
  if (tlsServer['deploy'] === true) {
    tls = {
      cert: readPem(tlsServer['certfile'] as string, 'tlsserver.certfile', problems),
      key: readPem(tlsServer['keyfile'] as string, 'tlsserver.keyfile', problems),
    };
    if (tlsServer['mutualtls'] === true) tls.clientCa = readPem(tlsServer['cacertfile'] as string, 'tlsserver.cacertfile', problems);
  } else if (tlsServer['mutualtls'] === true) {
    problems.push('tlsserver.mutualtls: needs tlsserver.deploy: true (mutual TLS is part of TLS)');
  }
  const redis = readRedisOptions(sectionValues(config, 'redis'), problems);
  const alertLabels = sectionValues(config, 'metrics')['alertlabels'] as string[];
  for (const label of alertLabels) {
    if (!isAlertLabel(label)) problems.push(`metrics.alertlabels: '${label}' is not one of ${ALERT_LABELS.join(', ')}`);
  }

  const plainPaths = tlsServer['notlspaths'] as string[];
  return {
    listen: { address: top['listenaddress'] as string, port: top['listenport'] as number, bodyLimit: top['bodylimit'] as number },
    tls,
    plain: tls && plainPaths.length > 0 ? { port: tlsServer['notlsport'] as number, paths: plainPaths } : undefined,
    authTokens: sectionValues(config, 'auth')['tokens'] as string[],
    enrichment: {
      customFields: top['customfields'] as Record<string, string>,
      customTags: top['customtags'] as string[],
    },
    log: {
      level: top['debug'] === true && log['level'] === 'info' ? 'debug' : (log['level'] as LogLevel),
      format: log['format'] as 'json' | 'pretty',
    },
    queue: { capacity: queue['capacity'] as number, deadLetters: queue['deadletters'] as number, deliveryThread: queue['deliverythread'] as boolean },
    redis,
    metrics: { alertLabels: alertLabels.filter(isAlertLabel) },
    shutdownTimeoutMs: top['shutdowntimeout'] as number,
    clientTls: {
      certFile: (mtlsClient['certfile'] as string) || inFolder('client.crt'),
      keyFile: (mtlsClient['keyfile'] as string) || inFolder('client.key'),
      mutualCaCertFile: (mtlsClient['cacertfile'] as string) || inFolder('ca.crt'),
      caCertFile: sectionValues(config, 'tlsclient')['cacertfile'] as string,
    },
  };
}

function readRedisOptions(values: Readonly<Record<string, unknown>>, problems: string[]): RedisQueueOptions | undefined {
  const url = values['url'] as string;
  if (url === '') return undefined;
  try {
    return resolveRedisQueueOptions({
      url,
      prefix: values['prefix'] as string,
      lingerMs: values['batch.linger'] as number,
      jobMaxAlerts: values['batch.maxalerts'] as number,
      enqueueTimeoutMs: values['enqueuetimeout'] as number,
      lockDurationMs: values['lockduration'] as number,
      stalledIntervalMs: values['stalledinterval'] as number,
      maxStalledCount: values['maxstalledcount'] as number,
      keepCompletedCount: values['keepcompleted.count'] as number,
      keepCompletedAgeMs: values['keepcompleted.age'] as number,
    });
  } catch (err) {
    problems.push(...(err as Error).message.split('; '));
    return undefined;
  }
}
