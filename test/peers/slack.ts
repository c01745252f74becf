// A Slack peer at the wire level: the Web API's chat.postMessage (form-encoded or JSON body, bearer token,
// HTTP 200 with {ok, error} answers, 429 with Retry-After) and incoming webhooks (JSON in, "ok" or an error
// code as plain text out). Point @slack/web-api at `apiUrl` (its slackApiUrl option) or a webhook at
// `webhookUrl`.

import { HttpPeer, send, type PeerRequest, type ScriptedAnswer } from './http-peer.js';

export interface SlackPosted {
  via: 'chat.postMessage' | 'webhook';
  contentType: string;
  /** The message as Slack would read it (form fields JSON-decoded where Slack decodes them). */
  message: Record<string, unknown>;
}

export class SlackPeer {
  readonly posted: SlackPosted[] = [];
  private constructor(
    private readonly http: HttpPeer,
    readonly token: string,
  ) {}

  static async start(token = 'xoxb-test-token'): Promise<SlackPeer> {
    let peer: SlackPeer | undefined;
    const http = await HttpPeer.start((req, res) => {
      const answer = peer!.handle(req);
      send(res, answer.status, answer.body ?? '', answer.headers);
    });
    peer = new SlackPeer(http, token);
    return peer;
  }

  get apiUrl(): string {
    return `${this.http.url}/api/`;
  }

  get webhookUrl(): string {
    return `${this.http.url}/services/T000/B000/secretpart`;
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
    const type = String(req.headers['content-type'] ?? '');
    if (req.method !== 'POST') return { status: 405, body: 'method_not_allowed' };
    if (req.path === '/api/chat.postMessage') return this.postMessage(req, type);
    if (req.path.startsWith('/services/')) return this.webhook(req, type);
    return { status: 404, body: { ok: false, error: 'unknown_method' } };
  }

  private postMessage(req: PeerRequest, type: string): ScriptedAnswer {
    let args: Record<string, unknown>;
    if (type.startsWith('application/json')) {
      args = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    } else if (type.startsWith('application/x-www-form-urlencoded')) {
      args = Object.fromEntries(new URLSearchParams(req.body.toString('utf8')));
      // Slack decodes JSON-valued form fields such as attachments and blocks.
      for (const k of ['attachments', 'blocks']) if (typeof args[k] === 'string') args[k] = JSON.parse(args[k] as string);
    } else {
      return { status: 200, body: { ok: false, error: 'invalid_form_data' } };
    }
    const auth = String(req.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : (args.token as string | undefined);
    if (!token) return { status: 200, body: { ok: false, error: 'not_authed' } };
    if (token !== this.token) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    if (!args.channel) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
    if (!args.text && !args.attachments && !args.blocks) return { status: 200, body: { ok: false, error: 'no_text' } };
    delete args.token;
    this.posted.push({ via: 'chat.postMessage', contentType: type, message: args });
    const ts = `${Math.floor(Date.now() / 1000)}.${String(this.posted.length).padStart(6, '0')}`;
    return { status: 200, body: { ok: true, channel: args.channel, ts, message: { ...args, ts } } };
  }

  private webhook(req: PeerRequest, type: string): ScriptedAnswer {
    if (!req.path.endsWith('/secretpart')) return { status: 404, body: 'no_service' };
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return { status: 400, body: 'invalid_payload' };
    }
    if (!message.text && !message.attachments && !message.blocks) return { status: 400, body: 'no_text' };
    this.posted.push({ via: 'webhook', contentType: type, message });
    return { status: 200, body: 'ok' };
  }
}
