// The plumbing every HTTP protocol peer shares: a loopback server on a free port, request bodies read whole
// (gunzipped when the client compressed them), scripted failures, and a clean close.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** An answer a test wants the peer to give instead of the normal one (a 429, a 500…). */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string | object;
}

export interface PeerRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type Handler = (req: PeerRequest, res: ServerResponse) => void;

export class HttpPeer {
  /** Every request received, in order. */
  readonly requests: PeerRequest[] = [];
  private readonly scripted: ScriptedAnswer[] = [];
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Number of TCP connections opened so far (pooling checks). */
  connections = 0;

  static async start(handler: Handler, tls?: { key: string; cert: string }): Promise<HttpPeer> {
    let peer: HttpPeer | undefined;
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const request: PeerRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
        peer!.requests.push(request);
        const answer = peer!.scripted.shift();
        if (answer) return send(res, answer.status, answer.body ?? '', answer.headers);
        handler(request, res);
      });
    };
    const server = tls ? createHttpsServer(tls, onRequest) : createServer(onRequest);
    server.keepAliveTimeout = 30_000;
    server.on('connection', () => peer && peer.connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    peer = new HttpPeer(server, `${tls ? 'https' : 'http'}://127.0.0.1:${port}`);
    return peer;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The next requests get these answers, in order, whatever they ask. */
  answerNext(...answers: ScriptedAnswer[]): void {
    this.scripted.push(...answers);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function send(res: ServerResponse, status: number, body: string | object, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(text);
}
