// A PagerDuty Events API v2 peer at the wire level: POST /v2/enqueue over HTTPS (pdjs only speaks HTTPS),
// 202 {status: "success", dedup_key} for a valid event, 400 {status: "invalid event", errors} otherwise,
// and whatever a test scripts (429, 5xx). Point pdjs at it with server = `host:port` and an agent trusting
// `certificate`.

import { HttpPeer, send, type PeerRequest, type ScriptedAnswer } from './http-peer.js';
import { testCertificate, type TestCertificate } from './tls.js';

export interface PagerDutyEvent {
  routing_key: string;
  event_action: string;
  dedup_key?: string;
  client?: string;
  payload: {
    summary: string;
    source: string;
    severity: string;
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
}

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

export class PagerDutyPeer {
  readonly events: PagerDutyEvent[] = [];
  private constructor(
    private readonly http: HttpPeer,
    readonly certificate: TestCertificate,
  ) {}

  static async start(): Promise<PagerDutyPeer> {
    const certificate = testCertificate();
    let peer: PagerDutyPeer | undefined;
    const http = await HttpPeer.start((req, res) => {
      const answer = peer!.handle(req);
      send(res, answer.status, answer.body ?? '', answer.headers);
    }, certificate);
    peer = new PagerDutyPeer(http, certificate);
    return peer;
  }

  /** `host:port`, what pdjs calls `server`. */
  get server(): string {
    return `127.0.0.1:${this.http.port}`;
  }

  get requests(): PeerRequest[] {
    return this.http.requests;
  }

  answerNext(...answers: ScriptedAnswer[]): void {
    this.http.answerNext(...answers);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private handle(req: PeerRequest): ScriptedAnswer {
    if (req.method !== 'POST' || req.path !== '/v2/enqueue') return { status: 404, body: { status: 'not found' } };
    let event: PagerDutyEvent;
    try {
      event = JSON.parse(req.body.toString('utf8')) as PagerDutyEvent;
    } catch {
      return invalid('Event object is invalid', ['Could not parse JSON']);
    }
    const errors: string[] = [];
    if (typeof event.routing_key !== 'string' || event.routing_key.length !== 32) errors.push('routing_key must be 32 characters');
    if (!['trigger', 'acknowledge', 'resolve'].includes(event.event_action)) errors.push("'event_action' is invalid");
    if (event.dedup_key !== undefined && event.dedup_key.length > 255) errors.push("'dedup_key' is too long (max 255)");
    if (event.event_action === 'trigger') {
      const p = event.payload ?? ({} as PagerDutyEvent['payload']);
      if (!p.summary) errors.push("'payload.summary' is missing or blank");
      else if (p.summary.length > 1024) errors.push("'payload.summary' is too long (max 1024)");
      if (!p.source) errors.push("'payload.source' is missing or blank");
      if (!SEVERITIES.has(p.severity)) errors.push("'payload.severity' is invalid (must be one of critical, error, warning, info)");
    }
    if (errors.length > 0) return invalid('Event object is invalid', errors);
    this.events.push(event);
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: event.dedup_key ?? `generated-${this.events.length}` } };
  }
}

function invalid(message: string, errors: string[]): ScriptedAnswer {
  return { status: 400, body: { status: 'invalid event', message, errors } };
}
