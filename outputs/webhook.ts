// webhook: POSTs alerts as JSON to a URL, as Falcosidekick's webhook output does (one alert per request by
// default), or as JSON arrays of up to `batchsize` alerts. Keep-alive connections, TLS and mutual TLS.

import http from 'node:http';
import https from 'node:https';
import { failureForNetworkError, failureForStatus } from './http-failures.js';
import type { Alert, Output, OutputConfig, OutputContext, OutputModule, SendContext } from './output.js';
import { CLIENT_TLS_KEYS, clientTlsOptions } from './tls.js';

/** Enough of an error answer to say what went wrong, not so much that a huge page fills the dead letters. */
const MAX_ERROR_BODY = 2048;

/** A request body as pieces of text, with its length in bytes. */
interface Body {
  pieces: string[];
  bytes: number;
}

function bodyOf(text: string): Body {
  return { pieces: [text], bytes: Buffer.byteLength(text) };
}

/**
 * Alerts per piece of a JSON array body: about 60 KB of text, below V8's large-object size (~128 KiB), which
 * only a full GC frees, so that big batches do not bloat the heap.
 */
const ALERTS_PER_PIECE = 64;

/**
 * The JSON array of the alerts, in pieces: each piece is JSON.stringify of a slice of the batch with its
 * brackets cut off (a cut is a view, not a copy), joined by the separators written between them.
 */
function arrayBody(alerts: readonly Alert[]): Body {
  const body: Body = { pieces: ['['], bytes: 2 };
  for (let start = 0; start < alerts.length; start += ALERTS_PER_PIECE) {
    const json = JSON.stringify(alerts.slice(start, start + ALERTS_PER_PIECE));
    const inner = json.slice(1, -1);
    if (start > 0) {
      body.pieces.push(',');
      body.bytes += 1;
    }
    body.pieces.push(inner);
    body.bytes += Buffer.byteLength(inner);
  }
  body.pieces.push(']');
  return body;
}

class WebhookOutput implements Output {
  readonly name = 'webhook';

  constructor(
    private readonly url: URL,
    private readonly method: string,
    private readonly headers: Record<string, string>,
    readonly maxBatch: number,
    private readonly agent: http.Agent,
  ) {}

  send(alerts: Alert[], ctx: SendContext): Promise<void> {
    // batchsize 1 keeps Falcosidekick's body (one alert object); batching receivers always get arrays.
    const body = this.maxBatch === 1 && alerts.length === 1 ? bodyOf(JSON.stringify(alerts[0])) : arrayBody(alerts);
    const request = this.url.protocol === 'https:' ? https.request : http.request;
    return new Promise<void>((resolve, reject) => {
      const req = request(
        this.url,
        {
          method: this.method,
          agent: this.agent,
          signal: ctx.signal,
          headers: { ...this.headers, 'content-length': body.bytes },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            res.resume();
            res.on('end', resolve);
            res.on('error', (err) => reject(failureForNetworkError(this.name, err)));
            return;
          }
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < MAX_ERROR_BODY) text += chunk;
          });
          const fail = () => reject(failureForStatus(this.name, status, res.headers['retry-after'], text.slice(0, MAX_ERROR_BODY)));
          res.on('end', fail);
          res.on('error', fail);
        },
      );
      req.on('error', (err) => reject(failureForNetworkError(this.name, err)));
      for (const piece of body.pieces) req.write(piece);
      req.end();
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

export const webhookOutput: OutputModule = {
  type: 'webhook',
  summary: 'HTTP(S) requests carrying the alert JSON (or JSON arrays of alerts)',
  keys: [
    { name: 'address', type: 'string', default: '', secret: true, doc: 'URL to send alerts to (`http://` or `https://`); set = output on' },
    { name: 'method', type: 'enum', values: ['POST', 'PUT', 'PATCH'], default: 'POST', doc: 'HTTP method' },
    {
      name: 'customheaders',
      type: 'map',
      default: {},
      secret: true,
      doc: 'Extra request headers (`Authorization:Bearer xyz,X-Team:sec` in the environment); their values are redacted from logs',
    },
    ...CLIENT_TLS_KEYS,
    {
      name: 'batchsize',
      type: 'int',
      default: 1,
      min: 1,
      max: 10_000,
      doc: 'Alerts per request: 1 sends each alert as a JSON object (as Falcosidekick does); more sends JSON arrays of up to this many',
    },
    { name: 'concurrency', type: 'int', default: 4, min: 1, doc: 'Requests in flight at the same time' },
  ],
  isEnabled: (config) => typeof config['address'] === 'string' && config['address'] !== '',

  create(config: OutputConfig, ctx: OutputContext): Output {
    let url: URL;
    try {
      url = new URL(config['address'] as string);
    } catch {
      // The address may embed credentials: say what is wrong without repeating it.
      throw new Error('webhook.address: not a URL; write http://host:port/path or https://…');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`webhook.address: the scheme must be http or https, not ${url.protocol.replace(/:$/, '')}`);
    }
    const concurrency = config['concurrency'] as number;
    const agentOptions = { keepAlive: true, maxSockets: concurrency, timeout: ctx.timeoutMs };
    const agent =
      url.protocol === 'https:'
        ? new https.Agent({ ...agentOptions, ...clientTlsOptions('webhook', config, ctx) })
        : new http.Agent(agentOptions);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'saker',
      ...(config['customheaders'] as Record<string, string>),
    };
    return new WebhookOutput(url, config['method'] as string, headers, config['batchsize'] as number, agent);
  },
};
