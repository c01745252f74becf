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
    {
      name: 'mutualtlsfilespath',
      type: 'string',
      default: '',
      doc: 'Folder with `client.crt`, `client.key` and `ca.crt`, used by outputs with `mutualtls` when `mutualtlsclient.*` are not set (Falcosidekick\'s older setting)',
    },
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
      doc: 'Bearer tokens accepted on every route but `/ping`, `/healthz` and `/metrics` (`Authorization: Bearer TOKEN`); none = no authentication',
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
    {
      name: 'notlspaths',
      type: 'string[]',
      default: [],
      doc: 'With TLS, paths also served over plain HTTP on `tlsserver.notlsport`, for probes that cannot do (mutual) TLS: e.g. `/ping,/healthz`; empty = no plain-HTTP port',
    },
    { name: 'notlsport', type: 'int', default: 2810, min: 0, max: 65535, doc: 'Port of the plain-HTTP listener for `tlsserver.notlspaths`' },
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
    {
      name: 'deliverythread',
      type: 'bool',
      default: false,
      doc: 'Deliver from a thread of its own (every output but stdout), so that the main thread only takes alerts in: for machines with cores to spare (on 2 cores it cost more CPU per alert than it saved); false delivers from the main thread',
    },
  ],
};

export const REDIS_SECTION: ConfigSection = {
  name: 'redis',
  doc: 'The durable queue on Redis',
  keys: [
    { name: 'url', type: 'string', default: '', secret: true, doc: 'Redis URL (`redis://[:password@]host:6379/0`, `rediss://` for TLS); set = the Redis queue, empty = the embedded queue' },
    {
      name: 'prefix',
      type: 'string',
      default: 'saker',
      doc: 'Prefix of every key saker writes: output `webhook` has the BullMQ queue `<prefix>:webhook` and its dead letters. saker processes with the same prefix share the work; separate deployments on one Redis need separate prefixes',
    },
    {
      name: 'batch.linger',
      type: 'duration',
      default: 2,
      min: 0,
      max: 1000,
      doc: 'Micro-batching: alerts arriving within this window are written to Redis together, in one round trip, and their requests answered when Redis acknowledges it',
    },
    { name: 'batch.maxalerts', type: 'int', default: 500, min: 1, max: 100_000, doc: 'Most alerts in one queue job (and in one batching window, which is written at once when full)' },
    { name: 'enqueuetimeout', type: 'duration', default: 2000, min: 1, doc: '`POST /` answers 503 when Redis has not acknowledged the alerts within this time' },
    {
      name: 'lockduration',
      type: 'duration',
      default: 30_000,
      min: 1000,
      doc: "How long a saker process's claim on a job lasts unless renewed (it renews it every half of this while delivering). Jobs of a process that died are delivered again once this has passed",
    },
    {
      name: 'stalledinterval',
      type: 'duration',
      default: 30_000,
      min: 100,
      doc: 'How often each saker process looks for jobs whose claim expired (their process died) and puts them back in the queue',
    },
    { name: 'maxstalledcount', type: 'int', default: 3, min: 0, doc: 'A job put back this many times (it may be what kills its process) goes to the dead letters instead' },
    { name: 'keepcompleted.count', type: 'int', default: 100, min: 0, doc: 'Delivered jobs kept in Redis for inspection (with BullMQ tools); older ones are deleted' },
    { name: 'keepcompleted.age', type: 'duration', default: 3_600_000, min: 0, doc: 'Delivered jobs older than this are deleted, whatever their number' },
  ],
};

export const METRICS_SECTION: ConfigSection = {
  name: 'metrics',
  doc: 'Prometheus metrics at `GET /metrics`',
  checkEnvTypos: true,
  keys: [
    {
      name: 'alertlabels',
      type: 'string[]',
      default: [],
      doc: '`saker_alerts_total` counts alerts by priority; these add labels to it, any of `source`, `rule`, `hostname`, `k8s_ns_name`, `k8s_pod_name`. Each multiplies the series by the values seen: only for small fleets and rule sets',
    },
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
  METRICS_SECTION,
];
