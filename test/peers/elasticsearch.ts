// An Elasticsearch peer at the wire level, enough for a bulk writer: every answer carries the
// `x-elastic-product: Elasticsearch` header the official client insists on; `GET /` tells the version;
// `_bulk` takes NDJSON (gzipped or not), answers item by item with `errors` set when any failed, and keeps
// `create` idempotent by `_id` (409 for a second copy); `_index_template` stores templates; auth is checked
// when asked. Point @elastic/elasticsearch at `url` (its `node` option).

import type { ServerResponse } from 'node:http';
import { HttpPeer, type PeerRequest, type ScriptedAnswer } from './http-peer.js';

const PRODUCT = { 'x-elastic-product': 'Elasticsearch' };

export interface ItemVerdict {
  status: number;
  type: string;
  reason: string;
}

export interface ElasticsearchPeerOptions {
  /** Keep and parse every document (tests); off for benchmarks, which only count them. */
  store?: boolean;
  /** Required `authorization` header value, e.g. `ApiKey abc` or `Basic …`. */
  authorization?: string;
}

export class ElasticsearchPeer {
  /** index → _id → document. */
  readonly indices = new Map<string, Map<string, Record<string, unknown>>>();
  readonly templates = new Map<string, Record<string, unknown>>();
  /** Per-document verdicts a test imposes (a mapping error, a full queue…); undefined = accept. */
  judgeItem: (action: { op: string; _index: string; _id?: string }, doc: Record<string, unknown> | undefined) => ItemVerdict | undefined = () => undefined;
  /** Documents counted across all bulk requests (also when not stored). */
  documents = 0;
  bulkRequests = 0;

  private constructor(
    private readonly http: HttpPeer,
    private readonly options: ElasticsearchPeerOptions,
  ) {}

  static async start(options: ElasticsearchPeerOptions = {}): Promise<ElasticsearchPeer> {
    let peer: ElasticsearchPeer | undefined;
    const http = await HttpPeer.start((req, res) => peer!.handle(req, res));
    peer = new ElasticsearchPeer(http, { store: true, ...options });
    return peer;
  }

  get url(): string {
    return this.http.url;
  }

  get requests(): PeerRequest[] {
    return this.http.requests;
  }

  /** Scripted whole-request answers, with the product header a real cluster sends. */
  answerNext(...answers: ScriptedAnswer[]): void {
    this.http.answerNext(...answers.map((a) => ({ ...a, headers: { ...PRODUCT, ...a.headers } })));
  }

  doc(index: string, id: string): Record<string, unknown> | undefined {
    return this.indices.get(index)?.get(id);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private handle(req: PeerRequest, res: ServerResponse): void {
    const url = new URL(req.path, 'http://peer');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/vnd.elasticsearch+json;compatible-with=8', ...PRODUCT });
      res.end(JSON.stringify(body));
    };
    if (this.options.authorization && req.headers.authorization !== this.options.authorization) {
      res.setHeader('www-authenticate', 'Basic realm="security", ApiKey');
      return reply(401, error(401, 'security_exception', 'missing authentication credentials for REST request [/_bulk]'));
    }
    if (req.method === 'GET' && url.pathname === '/') {
      return reply(200, {
        name: 'peer-node',
        cluster_name: 'saker-test',
        version: { number: '8.15.0', build_flavor: 'default', lucene_version: '9.11.1', minimum_wire_compatibility_version: '7.17.0' },
        tagline: 'You Know, for Search',
      });
    }
    const template = /^\/_index_template\/([^/]+)$/.exec(url.pathname);
    if (template) {
      const name = decodeURIComponent(template[1]!);
      if (req.method === 'PUT' || req.method === 'POST') {
        const body = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
        if (!Array.isArray(body.index_patterns)) return reply(400, error(400, 'action_request_validation_exception', 'Validation Failed: 1: index patterns are missing;'));
        this.templates.set(name, body);
        return reply(200, { acknowledged: true });
      }
      if (req.method === 'GET') {
        const t = this.templates.get(name);
        return t ? reply(200, { index_templates: [{ name, index_template: t }] }) : reply(404, error(404, 'resource_not_found_exception', `index template matching [${name}] not found`));
      }
    }
    const bulk = /^(?:\/([^/_][^/]*))?\/_bulk$/.exec(url.pathname);
    if (bulk && (req.method === 'POST' || req.method === 'PUT')) {
      const [status, body] = this.bulk(req, bulk[1] ? decodeURIComponent(bulk[1]) : undefined);
      return reply(status, filterPath(body, url.searchParams.get('filter_path')));
    }
    return reply(404, error(404, 'no_handler_found_exception', `no handler found for uri [${url.pathname}] and method [${req.method}]`));
  }

  private bulk(req: PeerRequest, defaultIndex: string | undefined): [number, unknown] {
    this.bulkRequests++;
    const type = String(req.headers['content-type'] ?? '');
    if (!/x-ndjson|application\/json/.test(type)) {
      return [406, { error: `Content-Type header [${type}] is not supported`, status: 406 }];
    }
    const text = req.body.toString('utf8');
    if (!text.endsWith('\n')) return [400, error(400, 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]')];
    const lines = text.split('\n');
    lines.pop();
    const items: unknown[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i++) {
      let action: Record<string, { _index?: string; _id?: string }>;
      try {
        action = JSON.parse(lines[i]!) as typeof action;
      } catch {
        return [400, error(400, 'x_content_parse_exception', `[1:1] Malformed action/metadata line [${i + 1}]`)];
      }
      const op = Object.keys(action)[0]!;
      const meta = action[op]!;
      const index = meta._index ?? defaultIndex;
      if (!index) return [400, error(400, 'action_request_validation_exception', 'Validation Failed: 1: index is missing;')];
      let doc: Record<string, unknown> | undefined;
      if (op !== 'delete') {
        const source = lines[++i];
        if (source === undefined) return [400, error(400, 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]')];
        if (this.options.store) doc = JSON.parse(source) as Record<string, unknown>;
      }
      this.documents++;
      const imposed = this.judgeItem({ op, _index: index, _id: meta._id }, doc);
      const id = meta._id ?? `auto-${this.documents}`;
      let item: Record<string, unknown>;
      if (imposed) {
        item = { _index: index, _id: id, status: imposed.status, error: { type: imposed.type, reason: imposed.reason } };
      } else if (op === 'create' && this.options.store && this.indices.get(index)?.has(id)) {
        item = {
          _index: index,
          _id: id,
          status: 409,
          error: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists (current version [1])`, index },
        };
      } else {
        if (this.options.store && doc) {
          if (!this.indices.has(index)) this.indices.set(index, new Map());
          this.indices.get(index)!.set(id, doc);
        }
        item = { _index: index, _id: id, _version: 1, result: 'created', _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: this.documents, _primary_term: 1, status: 201 };
      }
      if ((item.status as number) >= 300) errors = true;
      items.push({ [op]: item });
    }
    return [200, { errors, took: 1, items }];
  }
}

/**
 * Elasticsearch's `filter_path` for the shapes a bulk answer has: comma-separated dotted paths where `*`
 * matches any key and `items` is an array; what matches none of them is left out.
 */
function filterPath(body: unknown, filter: string | null): unknown {
  if (!filter) return body;
  const paths = filter.split(',').map((p) => p.split('.'));
  const pick = (value: unknown, depth: number, alive: string[][]): unknown => {
    if (alive.some((p) => p.length === depth)) return value;
    if (Array.isArray(value)) return value.map((v) => pick(v, depth, alive)).filter((v) => v !== undefined);
    if (value === null || typeof value !== 'object') return undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const next = alive.filter((p) => p[depth] === '*' || p[depth] === k);
      if (next.length === 0) continue;
      const picked = pick(v, depth + 1, next);
      if (picked !== undefined) out[k] = picked;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
  return pick(body, 0, paths) ?? {};
}

function error(status: number, type: string, reason: string): Record<string, unknown> {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}
