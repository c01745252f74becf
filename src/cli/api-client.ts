// A small client for saker's own HTTP API, for subcommands that talk to a running server (`saker dlq`).

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Option, type Command } from 'commander';

export interface ApiOptions {
  url: string;
  token?: string;
  cacert?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  /** Default 30 s. */
  timeoutMs?: number;
}

/** The options every API-speaking subcommand takes. */
export function addApiOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'the saker server').env('SAKER_URL').default('http://127.0.0.1:2801'))
    .addOption(new Option('--token <token>', 'bearer token (one of auth.tokens)').env('SAKER_TOKEN'))
    .option('--cacert <file>', 'CA certificate (PEM) to trust for an https:// server')
    .option('--cert <file>', 'client certificate (PEM), when the server requires mutual TLS')
    .option('--key <file>', "the client certificate's key (PEM)")
    .option('--insecure', "do not verify the server's certificate");
}

export class ApiError extends Error {}

export async function callApi(options: ApiOptions, method: string, path: string, body?: unknown): Promise<unknown> {
  let url: URL;
  try {
    url = new URL(path, options.url.endsWith('/') ? options.url : `${options.url}/`);
  } catch {
    throw new ApiError(`--url: '${options.url}' is not a URL`);
  }
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string | number> = { accept: 'application/json' };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = payload.length;
  }
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  const tls =
    url.protocol === 'https:'
      ? {
          ca: options.cacert ? readFileSync(options.cacert) : undefined,
          cert: options.cert ? readFileSync(options.cert) : undefined,
          key: options.key ? readFileSync(options.key) : undefined,
          rejectUnauthorized: !options.insecure,
        }
      : {};
  const request = url.protocol === 'https:' ? https.request : http.request;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const req = request(url, { method, headers, timeout: timeoutMs, ...tls }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new ApiError(`cannot reach saker at ${url.origin}: ${err.message}`)));
    req.end(payload);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (status < 200 || status >= 300) {
    const message = (json as { message?: string } | undefined)?.message ?? text.trim();
    throw new ApiError(`${method} ${url.pathname}: HTTP ${status}: ${message}`);
  }
  return json;
}
