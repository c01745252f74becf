// Elasticsearch through the official client's bulk API. Every alert is a `create` with `_id` = its uuid, so a
// batch sent twice (a retry after a lost answer) stores each alert once: the second copy answers 409, which
// counts as delivered. A bulk answer is read item by item: only the failed items are retried or
// dead-lettered, each with Elasticsearch's own reason. The client library is loaded when the output starts,
// not with saker.

import type { Client, ClientOptions, errors as ClientErrors, estypes } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { ecsDocument, falcoDocumentJson, indexName, indexTemplate, timestampOf, type IndexSuffix } from './elasticsearch-document.js';
import { failureForNetworkError, failureForStatus } from './http-failures.js';
import { Lazy } from './lazy.js';
import {
  PartialDeliveryError,
  PermanentError,
  RetryableError,
  type Alert,
  type ConfigKey,
  type DeliveryError,
  type Output,
  type OutputModule,
  type SendContext,
} from './output.js';
import { SectionConfig } from './section-config.js';
import { CLIENT_TLS_KEYS, clientTlsOptions } from './tls.js';

const ignored = (what: string) => `Accepted for Falcosidekick compatibility; no effect: ${what}.`;

const keys: readonly ConfigKey[] = [
  { name: 'hostport', type: 'string', doc: 'URL of Elasticsearch (`http(s)://host:port`, several separated by commas); setting it enables the output. Falcosidekick: `elasticsearch.hostport`.' },
  { name: 'index', type: 'string', default: 'falco', doc: 'Index name, before the date suffix. Falcosidekick: `elasticsearch.index`.' },
  { name: 'suffix', type: 'enum', values: ['daily', 'monthly', 'annually', 'none'], default: 'daily', doc: 'Date suffix from the alert\'s time (UTC): `falco-2026.11.29`, `falco-2026.11`, `falco-2026` or none. Falcosidekick: `elasticsearch.suffix`.' },
  { name: 'pipeline', type: 'string', doc: 'Ingest pipeline to run the documents through. Falcosidekick: `elasticsearch.pipeline`.' },
  { name: 'apikey', type: 'string', secret: true, doc: 'API key (the base64 `id:api_key` form) to authenticate with. Falcosidekick: `elasticsearch.apikey`.' },
  { name: 'username', type: 'string', doc: 'User for basic authentication. Falcosidekick: `elasticsearch.username`.' },
  { name: 'password', type: 'string', secret: true, doc: 'Password for basic authentication. Falcosidekick: `elasticsearch.password`.' },
  { name: 'customheaders', type: 'map', secret: true, doc: 'Extra HTTP headers on every request (e.g. for an authenticating proxy). Falcosidekick: `elasticsearch.customheaders`.' },
  { name: 'enablecompression', type: 'bool', default: false, doc: 'Gzip request bodies. Falcosidekick: `elasticsearch.enablecompression`.' },
  { name: 'flattenfields', type: 'bool', default: false, doc: 'Write output field names with `_` for `.` (`proc_name`), avoiding object/value mapping conflicts without a template. Falcosidekick: `elasticsearch.flattenfields`.' },
  { name: 'ecs', type: 'bool', default: false, doc: 'Write Elastic Common Schema documents (`event.kind: alert`, `rule.name`, `event.severity`, `host.name`, `tags`, `labels`) instead of Falco\'s alert JSON.' },
  { name: 'createindextemplate', type: 'bool', default: false, doc: 'Create (or update) the index template `saker-<index>` at start-up. Falcosidekick: `elasticsearch.createindextemplate`.' },
  { name: 'numberofshards', type: 'int', default: 3, min: 1, doc: 'Primary shards set by the index template. Falcosidekick: `elasticsearch.numberofshards`.' },
  { name: 'numberofreplicas', type: 'int', default: 3, min: 0, doc: 'Replicas set by the index template (use 0 on a one-node cluster). Falcosidekick: `elasticsearch.numberofreplicas`.' },
  { name: 'bulksize', type: 'int', default: 500, min: 1, max: 100_000, doc: 'Most alerts in one bulk request.' },
  { name: 'type', type: 'string', default: '_doc', doc: ignored('Elasticsearch 8 has no mapping types') },
  { name: 'batching.enabled', type: 'bool', doc: ignored('saker always writes with the bulk API; see `bulksize`') },
  { name: 'batching.batchsize', type: 'int', doc: ignored('see `bulksize`') },
  { name: 'batching.flushinterval', type: 'duration', doc: ignored('the queue sends as soon as alerts wait') },
  { name: 'maxconcurrentrequests', type: 'int', doc: ignored('set the output\'s `concurrency`') },
  ...CLIENT_TLS_KEYS,
];

const elasticClient = new Lazy(() => import('@elastic/elasticsearch'));

interface EsOptions {
  index: string;
  suffix: IndexSuffix;
  pipeline?: string;
  ecs: boolean;
  flattenFields: boolean;
  template?: { shards: number; replicas: number };
}

const BULK_FILTER = 'errors,items.*.status,items.*._index,items.*.error';

function errorReason(error: estypes.ErrorCause | undefined): string {
  if (!error) return 'no reason given';
  const cause = error.caused_by?.reason ? ` (caused by: ${error.caused_by.reason})` : '';
  return `${error.type}: ${error.reason ?? ''}${cause}`;
}

/** The verdict for a failure of a whole request: the client's error classes (the loaded library's `errors`) onto ours. */
export function classifyClientError(err: unknown, what: string, errors: typeof ClientErrors): DeliveryError {
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    const body = err.body as { error?: estypes.ErrorCause | string } | string | undefined;
    const detail = typeof body === 'object' && body ? (typeof body.error === 'object' ? errorReason(body.error) : String(body.error ?? '')) : String(body ?? '');
    return failureForStatus(what, status, err.headers?.['retry-after'], detail);
  }
  if (err instanceof errors.ProductNotSupportedError) return new PermanentError(`${what}: the server is not Elasticsearch (${err.message})`);
  if (err instanceof errors.ConfigurationError) return new PermanentError(`${what}: ${err.message}`);
  return failureForNetworkError(what, err);
}

interface Connection {
  client: Client;
  errors: typeof ClientErrors;
}

class ElasticsearchOutput implements Output {
  readonly maxBatch: number;
  private templatePending: boolean;
  private readonly connection: Lazy<Connection>;

  constructor(
    readonly name: string,
    clientOptions: ClientOptions,
    private readonly options: EsOptions,
    bulkSize: number,
    private readonly logger: Logger,
  ) {
    this.maxBatch = bulkSize;
    this.templatePending = options.template !== undefined;
    // The client connects on its first request, not here.
    this.connection = new Lazy(async () => {
      const { Client, errors } = await elasticClient.get();
      return { client: new Client(clientOptions), errors };
    });
  }

  /** Loads the client library and creates the index template; a cluster that is down now only delays the template to the first send. */
  async start(): Promise<void> {
    const { client, errors } = await this.connection.get();
    if (!this.templatePending) return;
    try {
      await this.putTemplate(client);
    } catch (err) {
      const failure = classifyClientError(err, 'Elasticsearch index template', errors);
      if (!failure.retryable) throw new Error(`elasticsearch.createindextemplate: ${failure.message}`, { cause: err });
      this.logger.warn({ err: failure.message }, 'cannot create the index template yet; will try again before the first bulk request');
    }
  }

  private async putTemplate(client: Client, signal?: AbortSignal): Promise<void> {
    const { index, suffix, ecs, template } = this.options;
    const body = indexTemplate(index, suffix, ecs, template!.shards, template!.replicas);
    await client.indices.putIndexTemplate({ name: `saker-${index}`, ...body } as estypes.IndicesPutIndexTemplateRequest, { signal });
    this.templatePending = false;
    this.logger.info({ template: `saker-${index}` }, 'index template created');
  }

  async send(alerts: Alert[], ctx: SendContext): Promise<void> {
    const { client, errors } = await this.connection.get();
    if (this.templatePending) {
      try {
        await this.putTemplate(client, ctx.signal);
      } catch (err) {
        throw classifyClientError(err, 'Elasticsearch index template', errors);
      }
    }
    const { index, suffix, ecs, flattenFields, pipeline } = this.options;
    const operations: string[] = [];
    for (const alert of alerts) {
      const timestamp = timestampOf(alert);
      operations.push(`{"create":{"_index":${JSON.stringify(indexName(index, suffix, timestamp))},"_id":${JSON.stringify(alert.uuid)}}}`);
      operations.push(ecs ? JSON.stringify(ecsDocument(alert, timestamp)) : falcoDocumentJson(alert, timestamp, flattenFields));
    }
    let response: estypes.BulkResponse;
    try {
      // Only what judging the items needs comes back: a bulk answer is otherwise several times the size of its ids.
      response = await client.bulk({ operations, pipeline, filter_path: BULK_FILTER }, { signal: ctx.signal });
    } catch (err) {
      throw classifyClientError(err, 'Elasticsearch bulk', errors);
    }
    if (!response.errors) return;
    this.judgeItems(alerts, response);
  }

  private judgeItems(alerts: Alert[], response: estypes.BulkResponse): void {
    const failures = new Map<number, DeliveryError>();
    response.items.forEach((entry, i) => {
      const item = entry.create ?? Object.values(entry)[0];
      if (!item || item.status < 300) return;
      // Already stored by an earlier try: the alert is there, once.
      if (item.status === 409) return;
      failures.set(i, failureForStatus(`Elasticsearch, for the document in ${item._index},`, item.status, undefined, errorReason(item.error)));
    });
    if (response.items.length !== alerts.length) {
      throw new RetryableError(`Elasticsearch answered ${response.items.length} bulk items for ${alerts.length} documents`);
    }
    if (failures.size > 0) throw new PartialDeliveryError(failures);
  }

  async close(): Promise<void> {
    await (await this.connection.made())?.client.close();
  }
}

export const elasticsearch: OutputModule = {
  type: 'elasticsearch',
  summary: 'Elasticsearch bulk indexing: daily indexes, idempotent by alert uuid, optional ECS documents and index template',
  keys,
  isEnabled: (config) => Boolean(config.hostport),
  create(config, ctx) {
    const c = new SectionConfig('elasticsearch', keys, config);
    const nodes = c.requiredString('hostport').split(',').map((s) => s.trim()).filter(Boolean);
    for (const node of nodes) if (!/^https?:\/\/[^/]/.test(node)) c.fail('hostport', `expected http(s)://host:port, got '${node}'`);
    const index = c.requiredString('index');
    if (index !== index.toLowerCase() || /[\\/*?"<>| ,#:]/.test(index) || /^[-_+.]/.test(index)) {
      c.fail('index', `'${index}' is not a valid index name (lowercase, no spaces or \\/*?"<>|,#:, not starting with - _ + .)`);
    }
    const options: ClientOptions = {
      nodes,
      maxRetries: 0,
      requestTimeout: ctx.timeoutMs,
      compression: c.bool('enablecompression'),
      name: 'saker',
      headers: c.map('customheaders'),
      tls: clientTlsOptions('elasticsearch', config, ctx),
    };
    const apiKey = c.string('apikey');
    const username = c.string('username');
    if (apiKey && username) c.fail('apikey', 'set either apikey or username/password, not both');
    if (apiKey) options.auth = { apiKey };
    else if (username) options.auth = { username, password: c.requiredString('password', 'required with username') };

    const esOptions: EsOptions = {
      index,
      suffix: c.choice<IndexSuffix>('suffix'),
      pipeline: c.string('pipeline'),
      ecs: c.bool('ecs'),
      flattenFields: c.bool('flattenfields'),
      template: c.bool('createindextemplate') ? { shards: c.number('numberofshards'), replicas: c.number('numberofreplicas') } : undefined,
    };
    const type = c.string('type');
    if (type && type !== '_doc') ctx.logger.warn({ type }, 'elasticsearch.type is ignored: Elasticsearch 8 has no mapping types');
    return new ElasticsearchOutput('elasticsearch', options, esOptions, c.number('bulksize'), ctx.logger);
  },
};
