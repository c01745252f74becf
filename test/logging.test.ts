import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, REDACTED } from '../src/logging.js';
import { alert, startTestService, type TestService } from './helpers/service.js';
import { waitUntil } from './helpers/wait.js';

describe('log redaction', () => {
  it('scrubs secret values wherever they appear, raw or JSON-escaped, and credential-named fields', async () => {
    const lines: string[] = [];
    const logger = await createLogger({ level: 'info', format: 'json', secrets: ['https://u:p4ss@hooks.example/x', 'tok"en-1'], destination: { write: (l: string) => lines.push(l) } });
    logger.error({ err: new Error('POST https://u:p4ss@hooks.example/x failed'), note: 'uses tok"en-1' }, 'sending to https://u:p4ss@hooks.example/x');
    logger.info({ headers: { authorization: 'Bearer abc' }, db: { password: 'pw-value' } }, 'request');
    const text = lines.join('');
    expect(text).not.toContain('p4ss');
    expect(text).not.toContain('en-1');
    expect(text).not.toContain('Bearer abc');
    expect(text).not.toContain('pw-value');
    const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, any>);
    expect(first!['msg']).toBe(`sending to ${REDACTED}`);
    expect(first!['err'].message).toBe(`POST ${REDACTED} failed`);
    expect(first!['note']).toBe(`uses ${REDACTED}`);
    expect(second!['headers'].authorization).toBe(REDACTED);
    expect(second!['db'].password).toBe(REDACTED);
  });
});

describe('URL passwords', () => {
  it('are hidden in every log line, whatever setting or message carries the URL; user names stay', async () => {
    const lines: string[] = [];
    const logger = await createLogger({ level: 'info', format: 'json', destination: { write: (l: string) => lines.push(l) } });
    logger.warn({ err: new Error('connect ECONNREFUSED http://elastic:pw-in-url@10.0.0.1:9200/_bulk') }, 'nodes http://a:first-pw@h1:9200,http://b:second-pw@h2:9200');
    const text = lines.join('');
    for (const pw of ['pw-in-url', 'first-pw', 'second-pw']) expect(text).not.toContain(pw);
    const line = JSON.parse(lines[0]!) as { msg: string; err: { message: string } };
    expect(line.msg).toBe('nodes http://a:***@h1:9200,http://b:***@h2:9200');
    expect(line.err.message).toBe('connect ECONNREFUSED http://elastic:***@10.0.0.1:9200/_bulk');
  });

  it("are hidden in an output's settings logged at start-up (Elasticsearch's hostport is not a secret key)", async () => {
    // Port 9 refuses: the output is built and logged; nothing is sent.
    const es = await startTestService({ env: { ELASTICSEARCH_HOSTPORT: 'http://elastic:URLPWSECRET@127.0.0.1:9' } });
    try {
      const enabled = es.logs.find((l) => l['msg'] === "output 'elasticsearch' enabled");
      expect(enabled?.['settings']).toMatchObject({ hostport: 'http://elastic:***@127.0.0.1:9' });
      expect(es.rawLogs.join('')).not.toContain('URLPWSECRET');
    } finally {
      await es.stop();
    }
  });
});

describe('secrets in the running service', () => {
  let saker: TestService;
  const secrets = ['token-abc-123', 'http://user:hunter2@127.0.0.1:9/hook', 'Bearer sink-token-xyz'];
  beforeAll(async () => {
    saker = await startTestService({
      env: {
        AUTH_TOKENS: secrets[0]!,
        WEBHOOK_ADDRESS: secrets[1]!,
        WEBHOOK_CUSTOMHEADERS: `Authorization:${secrets[2]}`,
        WEBHOOK_MAXATTEMPTS: '2',
        WEBHOOK_BACKOFF_INITIAL: '1ms',
      },
    });
  });
  afterAll(async () => saker?.stop());

  it('never writes tokens, webhook URLs or header values to the log', async () => {
    const res = await saker.post('/', alert(), { authorization: `Bearer ${secrets[0]}` });
    expect(res.status).toBe(200);
    // Port 9 refuses: the failed deliveries are logged (retry, then dead letter).
    await waitUntil('a dead letter', () => saker.logs.some((l) => String(l['msg']).includes('moved to the dead letters')));
    const enabled = saker.logs.find((l) => l['msg'] === "output 'webhook' enabled");
    expect(enabled?.['settings']).toMatchObject({ address: REDACTED, customheaders: REDACTED, maxattempts: 2 });
    expect(saker.logs.some((l) => String(l['msg']).includes('moved to the dead letters'))).toBe(true);
    for (const secret of [...secrets, 'hunter2']) expect(saker.rawLogs.join('')).not.toContain(secret);
  });
});
