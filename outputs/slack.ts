// Slack: a bot token posting with chat.postMessage (@slack/web-api), or an incoming webhook (Falcosidekick's
// `webhookurl`). The client's own retries are off: the queue owns retries, so a 429 comes back to it with the
// Retry-After Slack asked for. @slack/web-api is loaded when a token-configured output starts, not with saker.

import type { ChatPostMessageArguments, LogLevel, Logger as SlackLogger, WebAPICallError, WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { compileTemplate } from './alert-template.js';
import { deliverEach } from './deliver-each.js';
import { failureForNetworkError, failureForStatus } from './http-failures.js';
import { Lazy } from './lazy.js';
import {
  PermanentError,
  RetryableError,
  type Alert,
  type ConfigKey,
  type DeliveryError,
  type Output,
  type OutputModule,
} from './output.js';
import { SectionConfig } from './section-config.js';
import { escapeSlack, slackMessage, type SlackMessage, type SlackMessageOptions, type SlackOutputFormat } from './slack-message.js';

const keys: readonly ConfigKey[] = [
  {
    name: 'webhookurl',
    type: 'string',
    secret: true,
    doc: 'Incoming-webhook URL (https://hooks.slack.com/services/…); setting it enables the output. Falcosidekick: `slack.webhookurl`.',
  },
  {
    name: 'token',
    type: 'string',
    secret: true,
    doc: 'Bot token (`xoxb-…`, scope `chat:write`) to post with chat.postMessage instead of a webhook; setting it enables the output and requires `channel`.',
  },
  { name: 'channel', type: 'string', doc: 'Channel to post to: required with `token`; with a webhook, an override that only legacy webhooks honour. Falcosidekick: `slack.channel`.' },
  { name: 'apiurl', type: 'string', default: 'https://slack.com/api/', doc: 'Base URL of the Slack Web API, for a proxy or a Slack-compatible server.' },
  { name: 'username', type: 'string', doc: 'Display name of the messages (with a token it needs the `chat:write.customize` scope). Falcosidekick: `slack.username`.' },
  { name: 'icon', type: 'string', doc: 'Avatar: an image URL, or an emoji such as `:rotating_light:`. Falcosidekick: `slack.icon`.' },
  { name: 'footer', type: 'string', default: 'saker', doc: 'Footer of the attachment. Falcosidekick: `slack.footer`.' },
  {
    name: 'outputformat',
    type: 'enum',
    values: ['all', 'text', 'fields'],
    default: 'all',
    doc: '`all`: the output line and a field per alert attribute and output field; `text`: the output line only; `fields`: the fields only. Falcosidekick: `slack.outputformat`.',
  },
  {
    name: 'messageformat',
    type: 'string',
    doc: 'Template of a text shown above the attachment, in Falcosidekick\'s Go-template syntax: `{{ .Rule }}`, `{{ .Priority }}`, `{{ .Output }}`, `{{ index .OutputFields "user.name" }}`. Falcosidekick: `slack.messageformat`.',
  },
];

const RETRYABLE_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);

const slackWebApi = new Lazy(() => import('@slack/web-api'));
type SlackWebApi = Awaited<ReturnType<typeof slackWebApi.get>>;

interface SlackPoster {
  start(): Promise<void>;
  post(message: SlackMessage, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

class WebApiPoster implements SlackPoster {
  private readonly client: Lazy<{ api: SlackWebApi; client: WebClient }>;

  constructor(token: string, apiUrl: string, timeoutMs: number, logger: Logger) {
    this.client = new Lazy(async () => {
      const api = await slackWebApi.get();
      const client = new api.WebClient(token, {
        slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
        timeout: timeoutMs,
        logger: slackLogger(logger, api.LogLevel.DEBUG),
      });
      return { api, client };
    });
  }

  async start(): Promise<void> {
    await this.client.get();
  }

  async post(message: SlackMessage): Promise<void> {
    const { api, client } = await this.client.get();
    try {
      // The SDK types every mutually exclusive argument combination as a union; our message is one of them.
      await client.chat.postMessage(message as ChatPostMessageArguments);
    } catch (err) {
      throw classifyWebApiError(err, api.ErrorCode);
    }
  }

  async close(): Promise<void> {}
}

/** `codes` is the loaded library's ErrorCode enum. */
function classifyWebApiError(err: unknown, codes: SlackWebApi['ErrorCode']): DeliveryError {
  const e = err as WebAPICallError;
  switch (e.code) {
    case codes.RateLimitedError:
      return new RetryableError('Slack rate-limited chat.postMessage (HTTP 429)', e.retryAfter * 1000);
    case codes.PlatformError: {
      const reason = e.data.error;
      const message = `Slack chat.postMessage failed: ${reason}`;
      return RETRYABLE_PLATFORM_ERRORS.has(reason) ? new RetryableError(message) : new PermanentError(message);
    }
    case codes.HTTPError:
      return failureForStatus('Slack Web API', e.statusCode, e.headers['retry-after'], e.statusMessage);
    case codes.RequestError: {
      // Only the socket's reason: axios errors carry the request, bearer token included.
      const original = (e.original ?? e) as NodeJS.ErrnoException;
      return failureForNetworkError('Slack Web API', { message: original.message, code: original.code });
    }
    default:
      return failureForNetworkError('Slack Web API', err);
  }
}

class WebhookPoster implements SlackPoster {
  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async start(): Promise<void> {}

  async post(message: SlackMessage, signal: AbortSignal): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(message),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]),
      });
    } catch (err) {
      // fetch wraps the socket's error (ECONNREFUSED, a certificate problem) in its cause.
      throw failureForNetworkError('Slack webhook', (err as { cause?: unknown }).cause ?? err);
    }
    const body = await response.text().catch(() => '');
    // Incoming webhooks answer 200 "ok", or an error code as plain text (invalid_payload, channel_not_found…).
    if (!response.ok) throw failureForStatus('Slack webhook', response.status, response.headers.get('retry-after') ?? undefined, body);
  }

  async close(): Promise<void> {}
}

/** The Slack client logs through ours, at debug: failures are reported once, by the queue. */
function slackLogger(logger: Logger, debug: LogLevel): SlackLogger {
  let level = debug;
  const log = (...msg: unknown[]) => logger.debug({ slack: msg.map(String).join(' ') }, 'slack client');
  return {
    debug: log,
    info: log,
    warn: log,
    error: log,
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

class SlackOutput implements Output {
  readonly maxBatch = 5;

  constructor(
    readonly name: string,
    private readonly poster: SlackPoster,
    private readonly options: SlackMessageOptions,
  ) {}

  /** Loads the Slack client library (with a token) before saker listens. */
  start(): Promise<void> {
    return this.poster.start();
  }

  send(alerts: Alert[], ctx: { signal: AbortSignal }): Promise<void> {
    // One at a time: Slack allows about one message per second per channel, so parallel posts only earn 429s.
    return deliverEach(alerts, 1, ctx.signal, (alert) => this.poster.post(slackMessage(alert, this.options), ctx.signal));
  }

  close(): Promise<void> {
    return this.poster.close();
  }
}

export const slack: OutputModule = {
  type: 'slack',
  summary: 'Slack messages, by incoming webhook or bot token (chat.postMessage), coloured by priority',
  keys,
  isEnabled: (config) => Boolean(config.webhookurl || config.token),
  create(config, ctx) {
    const c = new SectionConfig('slack', keys, config);
    const webhookUrl = c.string('webhookurl');
    const token = c.string('token');
    if (webhookUrl && token) c.fail('token', 'set either webhookurl or token, not both');
    const template = c.string('messageformat');
    const options: SlackMessageOptions = {
      format: c.choice<SlackOutputFormat>('outputformat'),
      template: template ? compileTemplate(template, 'slack.messageformat', escapeSlack) : undefined,
      channel: c.string('channel'),
      username: c.string('username'),
      icon: c.string('icon'),
      footer: c.string('footer'),
    };
    let poster: SlackPoster;
    if (token) {
      if (!options.channel) c.fail('channel', 'required with token (chat.postMessage needs a channel)');
      poster = new WebApiPoster(token, c.requiredString('apiurl'), ctx.timeoutMs, ctx.logger);
    } else {
      const url = webhookUrl ?? c.fail('webhookurl', 'set webhookurl or token to enable the Slack output');
      if (!/^https?:\/\//.test(url)) c.fail('webhookurl', 'expected an http(s) URL');
      poster = new WebhookPoster(url, ctx.timeoutMs);
    }
    return new SlackOutput('slack', poster, options);
  },
};
