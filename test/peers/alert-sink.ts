// A real HTTP receiver for alerts that keeps delivery accounts for durability tests: which alerts (by uuid)
// it accepted and how often (duplicates), requests in flight, answers scripted per request (503, 429 with
// Retry-After, a body naming failed items, slow answers), and it can go down (connection refused) and come
// back on the same port. test/peers/http-sink.ts is the general webhook peer (TLS, headers, hanging).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Alert } from '../../src/alert.js';

export interface SinkReply {
  status: number;
  headers?: Record<string, string>;
  /** `{ failed: [{ index, status, retryAfterSeconds? }] }` marks those alerts of a 2xx reply as not taken. */
  body?: unknown;
  /** Answer only after this long. */
  delayMs?: number;
}

export interface SinkRequest {
  at: number;
  alerts: Alert[];
  status: number;
  headers: IncomingMessage['headers'];
}

/** Decides the reply to each request; `n` counts requests from 1. */
export type SinkBehaviour = (alerts: Alert[], n: number) => SinkReply;

export class AlertSink {
  readonly requests: SinkRequest[] = [];
  /** uuid → how many times the sink accepted that alert. */
  readonly accepted = new Map<string, number>();
  behaviour: SinkBehaviour = () => ({ status: 200 });
  inFlight = 0;
  maxInFlight = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private waiters: Array<() => void> = [];

  private constructor(public port: number) {}

  static async start(port = 0): Promise<AlertSink> {
    const sink = new AlertSink(port);
    await sink.up();
    return sink;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** Alerts accepted at least once. */
  get acceptedCount(): number {
    return this.accepted.size;
  }

  /** Accepted more than once (redeliveries). */
  get duplicates(): number {
    let n = 0;
    for (const times of this.accepted.values()) n += times - 1;
    return n;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (typeof address === 'object' && address) this.port = address.port;
    this.server = server;
  }

  /** Stops listening and cuts open connections: senders get connection refused/reset. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.down();
  }

  /** Resolves when `condition` holds (checked after every request), rejects after `timeoutMs`. */
  async waitUntil(condition: () => boolean, timeoutMs: number, what = 'the sink condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (accepted ${this.acceptedCount}, requests ${this.requests.length})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Alert | Alert[];
      const alerts = Array.isArray(parsed) ? parsed : [parsed];
      const reply = this.behaviour(alerts, this.requests.length + 1);
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      this.requests.push({ at: Date.now(), alerts, status: reply.status, headers: req.headers });
      if (reply.status >= 200 && reply.status < 300) {
        const failed = new Set(
          ((reply.body as { failed?: Array<{ index: number }> } | undefined)?.failed ?? []).map((f) => f.index),
        );
        alerts.forEach((alert, i) => {
          if (!failed.has(i)) this.accepted.set(alert.uuid, (this.accepted.get(alert.uuid) ?? 0) + 1);
        });
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '{}' : JSON.stringify(reply.body));
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(String(err));
    } finally {
      this.inFlight--;
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }
}
