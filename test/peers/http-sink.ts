// A real HTTP(S) server standing in for a webhook receiver: records every request and answers as the test
// scripts it (status codes in turn, Retry-After, hanging), on a free loopback port.

import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Parsed JSON body. */
  json: unknown;
  at: number;
  /** Subject CN of the client certificate, with TLS. */
  clientCertCN?: string;
}

export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (the request hangs until the client gives up). */
  hang?: boolean;
  delayMs?: number;
  /** Answer only once this settles. */
  gate?: Promise<unknown>;
}

export interface SinkOptions {
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer; requestCert?: boolean };
}

export class HttpSink {
  readonly requests: ReceivedRequest[] = [];
  /** Answers used in turn; when exhausted, `fallback`. */
  answers: Answer[] = [];
  fallback: Answer = { status: 200 };
  private server!: http.Server;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  static async start(options: SinkOptions = {}): Promise<HttpSink> {
    const sink = new HttpSink();
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void sink.handle(req, res);
    sink.server = options.tls
      ? https.createServer({ ...options.tls, rejectUnauthorized: options.tls.requestCert ?? false }, handler)
      : http.createServer(handler);
    sink.server.listen(0, '127.0.0.1');
    await once(sink.server, 'listening');
    return sink;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/alerts'): string {
    return `${this.server instanceof https.Server ? 'https' : 'http'}://127.0.0.1:${this.port}${path}`;
  }

  /** Every alert received, whether sent one per request or in arrays. */
  get alerts(): Array<Record<string, unknown>> {
    return this.requests.flatMap((r) => (Array.isArray(r.json) ? r.json : [r.json])) as Array<Record<string, unknown>>;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    this.requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body,
      json,
      at: Date.now(),
      clientCertCN: peer && 'subject' in peer && peer.subject ? (peer.subject.CN as string) : undefined,
    });
    const answer = this.answers.shift() ?? this.fallback;
    this.notify();
    if (answer.hang) return;
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (answer.gate) await answer.gate;
    res.writeHead(answer.status ?? 200, answer.headers);
    res.end(answer.body ?? '');
  }

  private notify(): void {
    const n = this.alerts.length;
    this.waiters = this.waiters.filter((w) => {
      if (n >= w.count) w.resolve();
      return n < w.count;
    });
  }

  /** Resolves once `count` alerts have arrived in all (fails the test by its timeout otherwise). */
  waitForAlerts(count: number): Promise<void> {
    if (this.alerts.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Resolves once `count` requests have arrived. */
  async waitForRequests(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      if (Date.now() > deadline) throw new Error(`sink got ${this.requests.length} of ${count} requests`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
