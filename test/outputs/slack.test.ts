import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { attemptDelivery } from '../../src/queue/delivery.js';
import { slack } from '../../outputs/slack.js';
import { SlackPeer } from '../peers/slack.js';
import { build, captureLogger, makeAlert, policy } from './helpers.js';

let peer: SlackPeer;
beforeAll(async () => {
  peer = await SlackPeer.start();
});
afterAll(() => peer.close());
beforeEach(() => {
  peer.posted.length = 0;
  peer.requests.length = 0;
});

describe('slack with a bot token (chat.postMessage through @slack/web-api)', () => {
  const config = () => ({ token: peer.token, channel: '#security', apiurl: peer.apiUrl });

  it('posts a readable, coloured message with the output line and every field', async () => {
    const out = build(slack, { ...config(), username: 'saker', icon: ':rotating_light:' });
    const outcome = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(outcome.delivered).toHaveLength(1);
    expect(peer.posted).toHaveLength(1);
    const { message, via } = peer.posted[0]!;
    expect(via).toBe('chat.postMessage');
    expect(peer.requests[0]!.headers.authorization).toBe(`Bearer ${peer.token}`);
    expect(message).toMatchObject({ channel: '#security', username: 'saker', icon_emoji: ':rotating_light:' });
    const attachments = message.attachments as Array<Record<string, unknown>>;
    expect(attachments[0]).toMatchObject({
      color: '#ecd000',
      text: makeAlert().output,
      footer: 'saker',
      ts: '1795914123',
    });
    const fields = attachments[0]!.fields as Array<{ title: string; value: string }>;
    expect(fields.slice(0, 5)).toEqual([
      { title: 'rule', value: 'Terminal shell in container', short: true },
      { title: 'priority', value: 'Warning', short: true },
      { title: 'source', value: 'syscall', short: true },
      { title: 'hostname', value: 'node-1', short: true },
      { title: 'tags', value: 'container, shell, mitre_execution', short: true },
    ]);
    expect(fields.map((f) => f.title)).toContain('container.id');
    expect(fields.find((f) => f.title === 'evt.time')?.value).toBe('1795914123123456800');
  });

  it('honours outputformat and renders the Falcosidekick message template above the attachment', async () => {
    const out = build(slack, {
      ...config(),
      outputformat: 'fields',
      messageformat: 'Alert: rule *{{ .Rule }}* by *{{ index .OutputFields "user.name" }}* ({{ or (index .OutputFields "nope") "n/a" }})',
    });
    await out.send([makeAlert()], { attempt: 1, signal: new AbortController().signal });
    const message = peer.posted[0]!.message;
    expect(message.text).toBe('Alert: rule *Terminal shell in container* by *root* (n/a)');
    const attachment = (message.attachments as Array<Record<string, unknown>>)[0]!;
    expect(attachment.text).toBeUndefined();
    expect(attachment.fields).toBeDefined();
  });

  it('escapes Slack control sequences coming from the alert', async () => {
    const out = build(slack, { ...config(), messageformat: '<https://runbook.example|runbook> {{ .Output }}' });
    const alert = makeAlert({ output: 'opened <!channel> & <https://evil.example|click>', output_fields: { 'fd.name': '<!here>' } });
    await out.send([alert], { attempt: 1, signal: new AbortController().signal });
    const message = peer.posted[0]!.message;
    expect(message.text).toBe('<https://runbook.example|runbook> opened &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    const attachment = (message.attachments as Array<{ text: string; fields: Array<{ value: string }> }>)[0]!;
    expect(attachment.text).toBe('opened &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(attachment.fields.map((f) => f.value)).toContain('&lt;!here&gt;');
  });

  it('retries after the Retry-After Slack gives with a 429, without retrying inside the client', async () => {
    peer.answerNext({ status: 429, headers: { 'retry-after': '7' }, body: { ok: false, error: 'ratelimited' } });
    const out = build(slack, config());
    const outcome = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(outcome.retry?.delayMs).toBe(7000);
    expect(outcome.retry?.error).toMatch(/429/);
    expect(peer.requests).toHaveLength(1);
  });

  it('retries a 5xx and dead-letters a platform error such as channel_not_found', async () => {
    const out = build(slack, config());
    peer.answerNext({ status: 503, body: 'unavailable' });
    const unavailable = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(unavailable.retry?.error).toMatch(/HTTP 503/);
    peer.answerNext({ status: 200, body: { ok: false, error: 'channel_not_found' } });
    const notFound = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(notFound.retry).toBeUndefined();
    expect(notFound.dead[0]?.error).toBe('Slack chat.postMessage failed: channel_not_found');
  });

  it('dead-letters a wrong token, and never logs the token', async () => {
    const { logger, lines } = captureLogger();
    const out = build(slack, { ...config(), token: 'xoxb-wrong-secret' }, { logger });
    const outcome = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(outcome.dead[0]?.error).toBe('Slack chat.postMessage failed: invalid_auth');
    expect(lines.join('\n')).not.toContain('xoxb-wrong-secret');
  });

  it('stops a batch at a 429 and sends the rest later, delivering what went before', async () => {
    const out = build(slack, config());
    peer.answerNext({ status: 200, body: { ok: true, channel: 'C1', ts: '1.1' } }, { status: 429, headers: { 'retry-after': '2' } });
    const alerts = [makeAlert({ uuid: 'a' }), makeAlert({ uuid: 'b' }), makeAlert({ uuid: 'c' })];
    const outcome = await attemptDelivery({ output: out, policy: policy() }, alerts, 1);
    expect(outcome.delivered.map((a) => a.uuid)).toEqual(['a']);
    expect(outcome.retry?.alerts.map((a) => a.uuid)).toEqual(['b', 'c']);
    expect(outcome.retry?.delayMs).toBe(2000);
    expect(peer.requests).toHaveLength(2);
  });

  it('retries when the Web API cannot be reached, keeping the token out of the error', async () => {
    const closed = await SlackPeer.start();
    const apiurl = closed.apiUrl;
    await closed.close();
    const out = build(slack, { token: 'xoxb-secret-token-9', channel: '#c', apiurl });
    const outcome = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(outcome.retry?.error).toMatch(/^Slack Web API: .*ECONNREFUSED/);
    expect(JSON.stringify(outcome)).not.toContain('xoxb-secret-token-9');
  });

  it('refuses a token without a channel, naming the key', () => {
    expect(() => build(slack, { token: 'xoxb-1', apiurl: peer.apiUrl })).toThrow('slack.channel: required with token');
    expect(() => build(slack, { token: 'xoxb-1', webhookurl: peer.webhookUrl, channel: 'c' })).toThrow(/slack.token: set either/);
    expect(() => build(slack, { webhookurl: peer.webhookUrl, messageformat: '{{ .Rul }}' })).toThrow(/slack.messageformat: column 4: unknown field .Rul/);
  });
});

describe('slack with an incoming webhook (Falcosidekick webhookurl)', () => {
  it('posts the message as JSON and accepts "ok"', async () => {
    const out = build(slack, { webhookurl: peer.webhookUrl, channel: '#alerts', outputformat: 'text' });
    const outcome = await attemptDelivery({ output: out, policy: policy() }, [makeAlert({ priority: 'Critical' })], 1);
    expect(outcome.delivered).toHaveLength(1);
    const { message, contentType } = peer.posted[0]!;
    expect(contentType).toMatch(/^application\/json/);
    expect(message.channel).toBe('#alerts');
    expect((message.attachments as Array<Record<string, unknown>>)[0]).toMatchObject({ color: '#e8590c', text: makeAlert().output });
    expect((message.attachments as Array<Record<string, unknown>>)[0]!.fields).toBeUndefined();
  });

  it('maps 429 to a retry after Retry-After, 4xx error codes to dead letters, and hides the URL', async () => {
    const { logger, lines } = captureLogger();
    const out = build(slack, { webhookurl: peer.webhookUrl }, { logger });
    peer.answerNext({ status: 429, headers: { 'retry-after': '3' }, body: 'rate_limited' });
    const limited = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(limited.retry?.delayMs).toBe(3000);
    peer.answerNext({ status: 404, body: 'channel_not_found' });
    const gone = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(gone.dead[0]?.error).toBe('Slack webhook answered HTTP 404: channel_not_found');
    expect(JSON.stringify([limited, gone]) + lines.join('')).not.toContain('secretpart');
  });

  it('retries when the webhook cannot be reached', async () => {
    const closed = await SlackPeer.start();
    const url = closed.webhookUrl;
    await closed.close();
    const out = build(slack, { webhookurl: url });
    const outcome = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(outcome.retry?.error).toMatch(/^Slack webhook: connect ECONNREFUSED/);
  });
});
