// A small client for saker's own HTTP API, for subcommands that talk to a running server (`saker dlq`).

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { InvalidArgumentError, Option, type Command } from 'commander';

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

/** `--url` (or SAKER_URL): a wrong one is a usage error (exit 2), caught before anything is sent. */
export function serverUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError('not a URL; write http://HOST:PORT or https://HOST:PORT');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`the scheme must be http or https, not ${url.protocol.slice(0, -1)}`);
  return text;
}

/** The options every API-speaking subcommand takes. */
export function addApiOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'the saker server').env('SAKER_URL').default('http://127.0.0.1:2801').argParser(serverUrl))
    .addOption(new Option('--token <token>', 'bearer token (one of auth.tokens)').env('SAKER_TOKEN'))
    .option('--cacert <file>', 'CA certificate (PEM) to trust for an https:// server')
    .option('--cert <file>', 'client certificate (PEM), when the server requires mutual TLS')
    .option('--key <file>', "the client certificate's key (PEM)")
    .option('--insecure', "do not verify the server's certificate");
}

export class ApiError extends Error {}

function readOptionFile(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ApiError(`${option}: cannot read '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** OpenSSL's reason (`no start line`, `key values mismatch`) without its error-code prefix. */
function opensslReason(err: unknown): string {
  return (err as { reason?: string }).reason ?? (err as Error).message;
}

/**
 * The TLS files of --cacert, --cert and --key, read and checked here, so that a wrong one is named by its
 * option and path rather than left to an OpenSSL message from inside the request.
 */
export function clientTlsFiles(options: Pick<ApiOptions, 'cacert' | 'cert' | 'key'>): SecureContextOptions {
  const ca = options.cacert ? readOptionFile('--cacert', options.cacert) : undefined;
  const cert = options.cert ? readOptionFile('--cert', options.cert) : undefined;
  const key = options.key ? readOptionFile('--key', options.key) : undefined;
  if (ca && !ca.includes('-----BEGIN CERTIFICATE-----')) throw new ApiError(`--cacert: '${options.cacert}' holds no PEM certificate`);
  if ((cert === undefined) !== (key === undefined)) throw new ApiError('--cert and --key go together: the client certificate and its private key');
  const check = (problem: string, context: SecureContextOptions) => {
    try {
      createSecureContext(context);
    } catch (err) {
      throw new ApiError(`${problem} (${opensslReason(err)})`);
    }
  };
  if (cert && key) {
    check(`--cert: '${options.cert}' is not a PEM certificate`, { cert });
    check(`--key: '${options.key}' is not a PEM private key`, { key });
    check(`--key: '${options.key}' is not the private key of --cert '${options.cert}'`, { cert, key });
  }
  return { ca, cert, key };
}

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
  const tls = url.protocol === 'https:' ? { ...clientTlsFiles(options), rejectUnauthorized: !options.insecure } : {};
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
