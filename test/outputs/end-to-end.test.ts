// Every output of issue 6 through the running service: POST / on saker, the alert goes through the router
// and the embedded queue, and arrives at the protocol peer. Retries and dead letters come from the queue,
// driven by the outputs' verdicts.

import { mkdtempSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alert, startTestService, type TestService } from '../helpers/service.js';
import { ElasticsearchPeer } from '../peers/elasticsearch.js';
import { PagerDutyPeer } from '../peers/pagerduty.js';
import { SlackPeer } from '../peers/slack.js';
import { SmtpPeer } from '../peers/smtp.js';
import { SyslogReceiver } from '../peers/syslog.js';
import { testCertificate } from '../peers/tls.js';

async function eventually(check: () => void, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

let slack: SlackPeer;
let pagerduty: PagerDutyPeer;
let smtp: SmtpPeer;
let es: ElasticsearchPeer;
let syslog: SyslogReceiver;
let service: TestService;
let dir: string;
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdef012345';

beforeAll(async () => {
  [slack, pagerduty, smtp, es, syslog] = await Promise.all([
    SlackPeer.start(),
    PagerDutyPeer.start(),
    SmtpPeer.start({ user: 'saker', password: 'mail-secret' }),
    ElasticsearchPeer.start(),
    SyslogReceiver.start('udp'),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'saker-e2e-'));
  const responder = join(dir, 'respond.sh');
  writeFileSync(responder, `#!/bin/sh\ncat > "${dir}/$SAKER_UUID.json"\n`);
  chmodSync(responder, 0o755);
  service = await startTestService({
    env: {
      TLSCLIENT_CACERTFILE: testCertificate().certFile,
      SLACK_TOKEN: slack.token,
      SLACK_CHANNEL: '#security',
      SLACK_APIURL: slack.apiUrl,
      SLACK_BACKOFF_INITIAL: '10ms',
      PAGERDUTY_ROUTINGKEY: ROUTING_KEY,
      PAGERDUTY_SERVER: pagerduty.server,
      PAGERDUTY_MINIMUMPRIORITY: 'critical',
      SMTP_HOSTPORT: `127.0.0.1:${smtp.port}`,
      SMTP_USER: 'saker',
      SMTP_PASSWORD: 'mail-secret',
      SMTP_FROM: 'saker@example.com',
      SMTP_TO: 'secops@example.com',
      ELASTICSEARCH_HOSTPORT: es.url,
      ELASTICSEARCH_BACKOFF_INITIAL: '10ms',
      SYSLOG_HOST: '127.0.0.1',
      SYSLOG_PORT: String(syslog.port),
      SYSLOG_PROTOCOL: 'udp',
      SYSLOG_FORMAT: 'cef',
      SCRIPT_COMMAND: responder,
      SCRIPT_MATCH_PRIORITY: '>=Error',
    },
  });
});

afterAll(async () => {
  await service?.stop();
  await Promise.all([slack.close(), pagerduty.close(), smtp.close(), es.close(), syslog.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('outputs end to end: POST / → router → embedded queue → peer', () => {
  let uuid: string;
  beforeAll(async () => {
    const response = await service.post('/', alert({ priority: 'Critical', uuid: 'e2e-critical-1' }));
    expect(response.status).toBe(200);
    uuid = 'e2e-critical-1';
  });

  it('slack: posts the message with the bot token', async () => {
    await eventually(() => expect(slack.posted.map((p) => p.message.channel)).toContain('#security'));
    expect((slack.posted[0]!.message.attachments as Array<{ text: string }>)[0]!.text).toBe(alert().output);
  });

  it('pagerduty: triggers a critical event', async () => {
    await eventually(() => expect(pagerduty.events).toHaveLength(1));
    expect(pagerduty.events[0]).toMatchObject({ routing_key: ROUTING_KEY, payload: { severity: 'critical', source: 'node-1' } });
  });

  it('smtp: mails the alert over STARTTLS', async () => {
    await eventually(() => expect(smtp.mails).toHaveLength(1));
    expect(smtp.mails[0]).toMatchObject({ secure: true, to: ['secops@example.com'] });
    expect(smtp.mails[0]!.headers.get('subject')).toMatch(/^\[Critical\] Terminal shell in container: /);
  });

  it('elasticsearch: indexes the alert under its uuid', async () => {
    await eventually(() => expect(es.doc('falco-2026.11.29', uuid)).toBeDefined());
    expect(es.doc('falco-2026.11.29', uuid)).toMatchObject({ rule: 'Terminal shell in container', priority: 'Critical' });
  });

  it('syslog: sends an RFC 5424 CEF message', async () => {
    await syslog.waitFor(1);
    expect(syslog.messages[0]).toMatchObject({ severity: 2, appName: 'saker' });
    expect(syslog.messages[0]!.msg).toMatch(/^CEF:0\|Falcosecurity\|Falco\|1\.0\|Terminal shell in container\|/);
  });

  it('script: runs the response with the alert on stdin', async () => {
    await eventually(() => expect(JSON.parse(readFileSync(join(dir, `${uuid}.json`), 'utf8'))).toMatchObject({ uuid, priority: 'Critical' }));
  });

  it('retries what a peer refuses for now (Elasticsearch 429) until it is in', async () => {
    const bulks = () => es.requests.filter((r) => r.path.startsWith('/_bulk')).length;
    const before = bulks();
    es.answerNext({ status: 429, body: { error: { type: 'es_rejected_execution_exception', reason: 'queue full' }, status: 429 } });
    expect((await service.post('/', alert({ uuid: 'e2e-retried' }))).status).toBe(200);
    await eventually(() => expect(es.doc('falco-2026.11.29', 'e2e-retried')).toBeDefined());
    expect(bulks() - before).toBe(2);
  });

  it('dead-letters what a peer refuses for good, with its reason, listed by /api/v1/dlq', async () => {
    slack.answerNext({ status: 200, body: { ok: false, error: 'channel_not_found' } });
    expect((await service.post('/', alert({ uuid: 'e2e-dead', priority: 'Notice' }))).status).toBe(200);
    await eventually(async () => {
      const body = (await (await fetch(`${service.url}/api/v1/dlq/slack`)).json()) as { deadLetters: Array<{ alert: { uuid: string }; error: string }> };
      expect(body.deadLetters.map((d) => [d.alert.uuid, d.error])).toEqual([['e2e-dead', 'Slack chat.postMessage failed: channel_not_found']]);
    });
  });

  it('honours each output\'s filters: the Notice alerts never paged and the script skipped them', async () => {
    await new Promise((r) => setTimeout(r, 200));
    expect(pagerduty.events.map((e) => e.payload.custom_details?.uuid)).toEqual(['e2e-critical-1']);
    expect(() => readFileSync(join(dir, 'e2e-dead.json'))).toThrow(/ENOENT/);
  });

  it('keeps the secrets out of the logs', () => {
    const logs = service.rawLogs.join('\n');
    for (const secret of [slack.token, ROUTING_KEY, 'mail-secret']) expect(logs).not.toContain(secret);
  });
});
