import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { attemptDelivery } from '../../src/queue/delivery.js';
import { smtp } from '../../outputs/email.js';
import type { Output } from '../../outputs/output.js';
import { SmtpPeer } from '../peers/smtp.js';
import { build, captureLogger, makeAlert, policy } from './helpers.js';

const signal = () => new AbortController().signal;
let peer: SmtpPeer;
const opened: Output[] = [];
beforeAll(async () => {
  peer = await SmtpPeer.start({ user: 'saker', password: 's3cret-pass' });
});
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
  await peer.close();
});
beforeEach(() => {
  peer.mails.length = 0;
  peer.refusedRecipients.clear();
});

function output(values: Record<string, unknown> = {}, logger?: import('pino').Logger, caCertFile: string | undefined = peer.certificate.certFile): Output {
  const out = build(
    smtp,
    {
      hostport: `127.0.0.1:${peer.port}`,
      user: 'saker',
      password: 's3cret-pass',
      from: 'saker <saker@example.com>',
      to: 'secops@example.com, oncall@example.com',
      ...values,
    },
    { logger, caCertFile },
  );
  opened.push(out);
  return out;
}

describe('smtp (email through nodemailer)', () => {
  it('sends one mail per alert over STARTTLS with auth: headers, plain and HTML bodies', async () => {
    const outcome = await attemptDelivery({ output: output(), policy: policy() }, [makeAlert({ priority: 'Critical' })], 1);
    expect(outcome.delivered).toHaveLength(1);
    expect(peer.mails).toHaveLength(1);
    const mail = peer.mails[0]!;
    expect(mail.secure).toBe(true);
    expect(mail.user).toBe('saker');
    expect(mail.from).toBe('saker@example.com');
    expect(mail.to).toEqual(['secops@example.com', 'oncall@example.com']);
    expect(mail.headers.get('from')).toBe('saker <saker@example.com>');
    expect(mail.headers.get('to')).toBe('secops@example.com, oncall@example.com');
    expect(mail.headers.get('subject')).toBe(`[Critical] Terminal shell in container: ${makeAlert().output}`);
    expect(mail.headers.get('x-saker-rule')).toBe('Terminal shell in container');
    expect(mail.headers.get('x-saker-priority')).toBe('Critical');
    expect(mail.headers.get('importance')).toBe('High');
    expect(mail.headers.get('content-type')).toMatch(/^multipart\/alternative/);
    expect(mail.text).toContain('[Critical] Terminal shell in container\n\n01:02:03.123456789: Warning A shell');
    expect(mail.text).toContain('Hostname: node-1');
    expect(mail.text).toContain('Output fields:\n  container.id:   0123456789ab');
    expect(mail.html).toContain('<span style="color:#e8590c">Critical</span> Terminal shell in container</h2>');
    expect(mail.html).toContain('<td style="padding:2px 0;font-family:monospace;word-break:break-all">web</td>');
  });

  it('escapes attacker-controlled alert fields in the HTML body and strips line breaks from headers', async () => {
    const evil = makeAlert({
      rule: 'Evil\r\nBcc: victim@example.com',
      output: '<script>alert(1)</script> & "quoted" \'single\'',
      output_fields: { 'fd.name': '<img src=x onerror=alert(1)>' },
    });
    await output().send([evil], { attempt: 1, signal: signal() });
    const mail = peer.mails[0]!;
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;quoted&#34; &#39;single&#39;');
    expect(mail.html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.to).toEqual(['secops@example.com', 'oncall@example.com']);
    expect(mail.headers.get('subject')).toMatch(/^\[Warning\] Evil Bcc: victim@example.com: <script>/);
    expect(mail.text).toContain('<script>alert(1)</script>');
  });

  it('sends text only with outputformat text, and a custom subject template', async () => {
    await output({ outputformat: 'text', subject: 'saker: {{ .Rule }} on {{ .Hostname }}' }).send([makeAlert()], { attempt: 1, signal: signal() });
    const mail = peer.mails[0]!;
    expect(mail.headers.get('subject')).toBe('saker: Terminal shell in container on node-1');
    expect(mail.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(mail.html).toBeUndefined();
  });

  it('pools connections: many alerts, few connections', async () => {
    const before = peer.connections;
    const out = output({ maxconnections: 2 });
    const alerts = Array.from({ length: 8 }, (_, i) => makeAlert({ uuid: `u${i}` }));
    await out.send(alerts, { attempt: 1, signal: signal() });
    await out.send(alerts.slice(0, 4), { attempt: 1, signal: signal() });
    expect(peer.mails).toHaveLength(12);
    expect(peer.connections - before).toBeLessThanOrEqual(2);
  });

  it('digest mode sends one mail per batch, most severe first', async () => {
    const out = output({ digest: true });
    expect(out.maxBatch).toBe(50);
    const alerts = [makeAlert({ rule: 'B', priority: 'Notice' }), makeAlert({ rule: 'A', priority: 'Emergency' }), makeAlert({ rule: 'B', priority: 'Notice' })];
    await out.send(alerts, { attempt: 1, signal: signal() });
    expect(peer.mails).toHaveLength(1);
    const mail = peer.mails[0]!;
    expect(mail.headers.get('subject')).toBe('[saker] 3 alerts (1 Emergency, 2 Notice): A, B');
    expect(mail.headers.get('x-saker-alert-count')).toBe('3');
    expect(mail.text!.indexOf('[Emergency] A')).toBeLessThan(mail.text!.indexOf('[Notice] B'));
    expect(mail.html!.match(/<h2/g)).toHaveLength(3);
  });

  it('retries an SMTP 4xx, dead-letters a 5xx, one alert at a time', async () => {
    const out = output();
    peer.failNextData.push({ code: 451, message: 'Temporary local problem' });
    const later = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(later.retry?.error).toMatch(/^SMTP server answered 451: .*Temporary local problem/);
    peer.failNextData.push({ code: 552, message: 'Message too large' });
    const never = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(never.dead[0]?.error).toMatch(/^SMTP server answered 552: .*Message too large/);
  });

  it('delivers to the recipients that exist when one is refused, and dead-letters when all are', async () => {
    const { logger, lines } = captureLogger();
    peer.refusedRecipients.add('oncall@example.com');
    const some = await attemptDelivery({ output: output({}, logger), policy: policy() }, [makeAlert()], 1);
    expect(some.delivered).toHaveLength(1);
    expect(peer.mails[0]!.to).toEqual(['secops@example.com']);
    expect(lines.join('')).toContain('refused some recipients');
    peer.refusedRecipients.add('secops@example.com');
    const none = await attemptDelivery({ output: output(), policy: policy() }, [makeAlert()], 1);
    expect(none.dead[0]?.error).toMatch(/^SMTP server answered 550/);
  });

  it('dead-letters bad credentials and never logs the password', async () => {
    const { logger, lines } = captureLogger();
    const outcome = await attemptDelivery({ output: output({ password: 'wrong-pass-123' }, logger), policy: policy() }, [makeAlert()], 1);
    expect(outcome.dead[0]?.error).toMatch(/^SMTP (authentication failed|server answered 535)/);
    expect(lines.join('') + JSON.stringify(outcome)).not.toContain('wrong-pass-123');
  });

  it('refuses an untrusted certificate, and a server that does not offer STARTTLS', async () => {
    const untrusted = await attemptDelivery({ output: output({}, undefined, ''), policy: policy() }, [makeAlert()], 1);
    expect(untrusted.dead[0]?.error).toMatch(/^SMTP server: self.signed certificate.*tlsclient.cacertfile/i);
    const downgraded = await SmtpPeer.start({ noStartTls: true });
    const out = output({ hostport: `127.0.0.1:${downgraded.port}`, user: undefined });
    try {
      const outcome = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
      expect(outcome.delivered).toHaveLength(0);
      expect(outcome.dead[0]?.error).toBe('SMTP server answered 500 to STARTTLS: 500 Error: command not recognized');
      expect(downgraded.mails).toHaveLength(0);
    } finally {
      await out.close();
      await downgraded.close();
    }
  });

  it('speaks implicit TLS on request', async () => {
    const smtps = await SmtpPeer.start({ implicitTls: true });
    const out = output({ hostport: `127.0.0.1:${smtps.port}`, implicittls: true, user: undefined });
    try {
      await out.send([makeAlert()], { attempt: 1, signal: signal() });
      expect(smtps.mails[0]!.secure).toBe(true);
    } finally {
      await out.close();
      await smtps.close();
    }
  });

  it('validates its config, naming the key', () => {
    expect(() => output({ from: '' })).toThrow('smtp.from: required');
    expect(() => output({ to: [] })).toThrow('smtp.to: required');
    expect(() => output({ authmechanism: 'oauthbearer' })).toThrow(/^smtp.authmechanism: OAUTHBEARER is not supported/);
    expect(() => output({ hostport: 'mail.example.com:99999' })).toThrow('smtp.hostport: port 99999 is out of range');
    expect(() => output({ maxconnections: 0 })).toThrow('smtp.maxconnections: 0 is below the minimum of 1');
    expect(() => output({ subject: '{{ .Nope }}' })).toThrow(/^smtp.subject: column 4: unknown field .Nope/);
  });
});
