import { afterEach, describe, expect, it } from 'vitest';
import { attemptDelivery } from '../../src/queue/delivery.js';
import type { Output } from '../../outputs/output.js';
import { syslog } from '../../outputs/syslog.js';
import { cefRecord, cefValue, frame } from '../../outputs/syslog-format.js';
import { testCertificate } from '../peers/tls.js';
import { SyslogReceiver, type SyslogTransport } from '../peers/syslog.js';
import { build, makeAlert, policy } from './helpers.js';

const signal = () => new AbortController().signal;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(protocol: SyslogTransport, values: Record<string, unknown> = {}, caCertFile?: string): Promise<{ receiver: SyslogReceiver; out: Output }> {
  const receiver = await SyslogReceiver.start(protocol);
  cleanup.push(() => receiver.close());
  const out = build(syslog, { host: '127.0.0.1', port: receiver.port, protocol, ...values }, { caCertFile });
  cleanup.push(() => out.close());
  return { receiver, out };
}

describe('syslog (RFC 5424)', () => {
  for (const protocol of ['udp', 'tcp', 'tls'] as const) {
    it(`delivers JSON alerts over ${protocol} with the right header`, async () => {
      const { receiver, out } = await setup(protocol, {}, protocol === 'tls' ? testCertificate().certFile : undefined);
      const alerts = [makeAlert({ uuid: 'one', priority: 'Critical' }), makeAlert({ uuid: 'two', priority: 'Debug', hostname: '' })];
      const outcome = await attemptDelivery({ output: out, policy: policy() }, alerts, 1);
      expect(outcome.delivered).toHaveLength(2);
      await receiver.waitFor(2);
      const [first, second] = receiver.messages;
      expect(first).toMatchObject({
        pri: 16 * 8 + 2,
        facility: 16,
        severity: 2,
        version: 1,
        timestamp: '2026-11-29T01:02:03.123456Z',
        hostname: 'node-1',
        appName: 'saker',
        procId: String(process.pid),
        msgId: 'syscall',
        structuredData: '-',
      });
      expect(JSON.parse(first!.msg)).toEqual(alerts[0]);
      expect(second).toMatchObject({ severity: 7, hostname: 'saker-test' });
      if (protocol !== 'udp') expect(receiver.connections).toBe(1);
    });
  }

  it('frames TCP with octet counting by default and lines on request', () => {
    expect(frame('<134>1 x', 'octet-counting').toString()).toBe('8 <134>1 x');
    expect(frame('héllo', 'octet-counting').toString()).toBe('6 héllo');
    expect(frame('a\nb', 'newline').toString()).toBe('a b\n');
  });

  it('speaks newline framing to receivers that want it', async () => {
    const { receiver, out } = await setup('tcp', { framing: 'newline', facility: 'auth', appname: 'falco alerts' });
    await out.send([makeAlert()], { attempt: 1, signal: signal() });
    await receiver.waitFor(1);
    expect(receiver.messages[0]).toMatchObject({ facility: 4, severity: 4, appName: 'falco_alerts' });
  });

  it('writes CEF with escaped header and extension values', async () => {
    const { receiver, out } = await setup('tcp', { format: 'cef' });
    const alert = makeAlert({
      rule: 'Write below etc | pipe\\slash',
      output: 'file=/etc/x=1\nnext line',
      output_fields: { 'user.name': 'root', 'fd.name': '/etc/pass=wd', 'proc.name': 'sh' },
    });
    await out.send([alert], { attempt: 1, signal: signal() });
    await receiver.waitFor(1);
    const msg = receiver.messages[0]!.msg;
    expect(msg).toBe(cefRecord(alert, 'saker-test'));
    expect(msg.startsWith('CEF:0|Falcosecurity|Falco|1.0|Write below etc \\| pipe\\\\slash|Write below etc \\| pipe\\\\slash|6|')).toBe(true);
    expect(msg).toContain(' msg=file\\=/etc/x\\=1\\nnext line cs1Label=tags cs1=container,shell,mitre_execution cs2Label=outputFields cs2={"user.name":"root","fd.name":"/etc/pass\\=wd","proc.name":"sh"}');
    expect(msg).toContain('rt=1795914123123 dvchost=node-1 externalId=6a1f2a4e-6f6b-4a0c-9d5e-3f2b1c0d9e8a cat=syscall');
    expect(msg).toContain(' suser=root sproc=sh filePath=/etc/pass\\=wd');
    expect(cefValue('a\\b=c\r\nd\re')).toBe('a\\\\b\\=c\\nd\\re');
  });

  it('reconnects after the receiver drops the connection', async () => {
    const { receiver, out } = await setup('tcp');
    await out.send([makeAlert({ uuid: 'before' })], { attempt: 1, signal: signal() });
    await receiver.waitFor(1);
    receiver.dropConnections();
    await new Promise((r) => setTimeout(r, 50));
    await out.send([makeAlert({ uuid: 'after' })], { attempt: 1, signal: signal() });
    await receiver.waitFor(2);
    expect(receiver.messages.map((m) => (JSON.parse(m.msg) as { uuid: string }).uuid)).toEqual(['before', 'after']);
    expect(receiver.connections).toBe(2);
  });

  it('retries when the receiver is down, and refuses an untrusted TLS certificate', async () => {
    const gone = await SyslogReceiver.start('tcp');
    const port = gone.port;
    await gone.close();
    const out = build(syslog, { host: '127.0.0.1', port });
    cleanup.push(() => out.close());
    const down = await attemptDelivery({ output: out, policy: policy() }, [makeAlert()], 1);
    expect(down.retry?.error).toMatch(/^syslog receiver \(tcp\): connect ECONNREFUSED/);
    const { receiver, out: tls } = await setup('tls');
    const untrusted = await attemptDelivery({ output: tls, policy: policy() }, [makeAlert()], 1);
    expect(untrusted.dead[0]?.error).toMatch(/self.signed certificate/i);
    expect(receiver.received).toBe(0);
  });

  it('dead-letters an alert too large for a UDP datagram', async () => {
    const { out } = await setup('udp');
    const huge = makeAlert({ output: 'x'.repeat(70_000) });
    const outcome = await attemptDelivery({ output: out, policy: policy() }, [huge], 1);
    expect(outcome.dead[0]?.error).toMatch(/does not fit in a UDP datagram .*use protocol tcp/);
  });

  it('validates its config', () => {
    expect(() => build(syslog, { host: 'h', port: 'http' })).toThrow("syslog.port: 'http' is not an integer");
    expect(() => build(syslog, { host: 'h', port: 70000 })).toThrow('syslog.port: 70000 is above the maximum of 65535');
    expect(() => build(syslog, { host: 'h', protocol: 'sctp' })).toThrow("syslog.protocol: 'sctp' is not one of tcp, udp, tls");
    expect(() => build(syslog, { host: 'h', port: '' })).not.toThrow();
  });
});
