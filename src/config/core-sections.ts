// saker's own configuration: the listener, authentication, TLS, logging, the queue. Falcosidekick's names
// where it has the same setting, so that a Falcosidekick config file works unchanged.

import type { ConfigSection } from './section.js';

const MiB = 1024 * 1024;

export const SERVER_SECTION: ConfigSection = {
  name: '',
  doc: 'The HTTP listener and what is added to every alert',
  keys: [
    { name: 'listenaddress', type: 'string', default: '0.0.0.0', doc: 'Address the HTTP API listens on (`::` for IPv6 too, `127.0.0.1` for this host only)' },
    { name: 'listenport', type: 'int', default: 2801, min: 0, max: 65535, doc: 'Port of the HTTP API (0 picks a free port, logged at start-up)' },
    { name: 'debug', type: 'bool', default: false, doc: 'Log at debug level (the same as `log.level: debug`)' },
    { name: 'customfields', type: 'map', default: {}, doc: "Added to every alert's `output_fields`, replacing a field of the same name (`key1:value1,key2:value2` in the environment)" },
    { name: 'customtags', type: 'string[]', default: [], doc: "Appended to every alert's `tags` when not already there (comma-separated in the environment)" },
    { name: 'bodylimit', type: 'int', default: MiB, min: 1024, doc: 'Largest request body accepted by `POST /`, in bytes; larger ones get 413' },
    { name: 'shutdowntimeout', type: 'duration', default: 10_000, min: 0, doc: 'On SIGTERM/SIGINT, how long queued alerts may keep being delivered before saker exits' },
  ],
};

export const AUTH_SECTION: ConfigSection = {
  name: 'auth',
  doc: 'Inbound authentication',
  keys: [
    {
      name: 'tokens',
      type: 'string[]',
      default: [],
      secret: true,
      doc: 'Bearer tokens accepted on every route but `/ping` and `/healthz` (`Authorization: Bearer TOKEN`); none = no authentication',
    },
  ],
};

export const TLS_SERVER_SECTION: ConfigSection = {
  name: 'tlsserver',
  doc: 'TLS for the HTTP API',
  checkEnvTypos: true,
  keys: [
    { name: 'deploy', type: 'bool', default: false, doc: 'Serve the HTTP API over TLS' },
    { name: 'certfile', type: 'string', default: '/etc/certs/server/server.crt', doc: "The server's certificate (PEM), with its chain" },
    { name: 'keyfile', type: 'string', default: '/etc/certs/server/server.key', doc: "The server certificate's private key (PEM)" },
    { name: 'mutualtls', type: 'bool', default: false, doc: 'Require clients to present a certificate signed by `tlsserver.cacertfile`' },
    { name: 'cacertfile', type: 'string', default: '/etc/certs/server/ca.crt', doc: 'CA certificate(s) (PEM) that client certificates must chain to, with `mutualtls`' },
  ],
};

export const MUTUAL_TLS_CLIENT_SECTION: ConfigSection = {
  name: 'mutualtlsclient',
  doc: 'Client certificate presented by outputs whose `mutualtls` is true',
  checkEnvTypos: true,
  keys: [
    { name: 'certfile', type: 'string', default: '', doc: 'Client certificate (PEM)' },
    { name: 'keyfile', type: 'string', default: '', doc: "Client certificate's private key (PEM)" },
    { name: 'cacertfile', type: 'string', default: '', doc: 'CA certificate(s) (PEM) trusted for servers reached with `mutualtls`' },
  ],
};

export const TLS_CLIENT_SECTION: ConfigSection = {
  name: 'tlsclient',
  doc: "Trust for outputs' TLS connections",
  checkEnvTypos: true,
  keys: [{ name: 'cacertfile', type: 'string', default: '', doc: "CA certificate(s) (PEM) trusted by every output, besides the system's" }],
};

export const LOG_SECTION: ConfigSection = {
  name: 'log',
  doc: 'Logging (pino; on stderr, so that stdout carries only alerts)',
  keys: [
    { name: 'level', type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], default: 'info', doc: 'Least severe log level written' },
    { name: 'format', type: 'enum', values: ['json', 'pretty'], default: 'json', doc: 'JSON lines, or human-readable colored lines (`saker run --pretty`)' },
  ],
};

export const QUEUE_SECTION: ConfigSection = {
  name: 'queue',
  doc: 'The embedded queue (in the saker process: alerts not yet delivered are lost if it dies)',
  keys: [
    { name: 'capacity', type: 'int', default: 10_000, min: 1, doc: 'Alerts each output may have waiting or in delivery; when full, `POST /` answers 503' },
    { name: 'deadletters', type: 'int', default: 10_000, min: 0, doc: 'Dead letters kept per output; past it the oldest are dropped (and logged)' },
  ],
};

export const REDIS_SECTION: ConfigSection = {
  name: 'redis',
  doc: 'The durable queue on Redis',
  keys: [
    { name: 'url', type: 'string', default: '', secret: true, doc: 'Redis URL (`redis://[:password@]host:6379/0`); set = the Redis queue, empty = the embedded queue' },
  ],
};

export const CORE_SECTIONS: readonly ConfigSection[] = [
  SERVER_SECTION,
  AUTH_SECTION,
  TLS_SERVER_SECTION,
  MUTUAL_TLS_CLIENT_SECTION,
  TLS_CLIENT_SECTION,
  LOG_SECTION,
  QUEUE_SECTION,
  REDIS_SECTION,
];
