// The spine's own settings, typed, from the loaded configuration. Files named by the configuration (TLS
// certificates) are read here, so that an unreadable one stops start-up like any other bad value.

import { readFileSync } from 'node:fs';
import type { ClientTlsFiles } from '../../outputs/output.js';
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
  authTokens: readonly string[];
  enrichment: { customFields: Readonly<Record<string, string>>; customTags: readonly string[] };
  log: { level: LogLevel; format: 'json' | 'pretty' };
  queue: { capacity: number; deadLetters: number };
  redisUrl: string;
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

export function readServiceConfig(config: LoadedConfig): ServiceConfig {
  const top = sectionValues(config, '');
  const tlsServer = sectionValues(config, 'tlsserver');
  const mtlsClient = sectionValues(config, 'mutualtlsclient');
  const log = sectionValues(config, 'log');
  const queue = sectionValues(config, 'queue');
  const problems: string[] = [];

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
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    listen: { address: top['listenaddress'] as string, port: top['listenport'] as number, bodyLimit: top['bodylimit'] as number },
    tls,
    authTokens: sectionValues(config, 'auth')['tokens'] as string[],
    enrichment: {
      customFields: top['customfields'] as Record<string, string>,
      customTags: top['customtags'] as string[],
    },
    log: {
      level: top['debug'] === true && log['level'] === 'info' ? 'debug' : (log['level'] as LogLevel),
      format: log['format'] as 'json' | 'pretty',
    },
    queue: { capacity: queue['capacity'] as number, deadLetters: queue['deadletters'] as number },
    redisUrl: sectionValues(config, 'redis')['url'] as string,
    shutdownTimeoutMs: top['shutdowntimeout'] as number,
    clientTls: {
      certFile: mtlsClient['certfile'] as string,
      keyFile: mtlsClient['keyfile'] as string,
      mutualCaCertFile: mtlsClient['cacertfile'] as string,
      caCertFile: sectionValues(config, 'tlsclient')['cacertfile'] as string,
    },
  };
}
