// Syslog for SIEMs: RFC 5424 over UDP (RFC 5426), TCP (RFC 6587) or TLS (RFC 5425), the alert as JSON or CEF.
// Stream transports keep one connection open and reconnect when it breaks; a batch is one write, and counts as
// sent once the kernel has it (syslog has no acknowledgements: that is the protocol's limit, not ours).

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { failureForNetworkError } from './http-failures.js';
import { PermanentError, RetryableError, type Alert, type ConfigKey, type Output, type OutputModule, type SendContext } from './output.js';
import { SectionConfig } from './section-config.js';
import { CLIENT_TLS_KEYS, clientTlsOptions } from './tls.js';
import { cefRecord, FACILITIES, frame, rfc5424, type Facility, type Framing, type SyslogHeader } from './syslog-format.js';

const keys: readonly ConfigKey[] = [
  { name: 'host', type: 'string', doc: 'Syslog receiver host; setting it enables the output. Falcosidekick: `syslog.host`.' },
  { name: 'port', type: 'int', min: 1, max: 65535, doc: 'Receiver port. Default: 514 for udp and tcp, 6514 for tls. Falcosidekick: `syslog.port`.' },
  { name: 'protocol', type: 'enum', values: ['tcp', 'udp', 'tls'], default: 'tcp', doc: 'Transport: `tcp`, `udp` or `tls`. Falcosidekick: `syslog.protocol` (which has no `tls`).' },
  { name: 'format', type: 'enum', values: ['json', 'cef'], default: 'json', doc: 'MSG part: the alert as JSON, or a CEF record. Falcosidekick: `syslog.format`.' },
  { name: 'facility', type: 'enum', values: Object.keys(FACILITIES), default: 'local0', doc: 'Syslog facility; the severity comes from the priority (Emergency 0 … Debug 7).' },
  { name: 'appname', type: 'string', default: 'saker', doc: 'APP-NAME of the messages (at most 48 characters).' },
  { name: 'framing', type: 'enum', values: ['octet-counting', 'newline'], default: 'octet-counting', doc: 'Message framing on tcp: RFC 6587 octet counting, or one message per line. tls always counts octets (RFC 5425).' },
  ...CLIENT_TLS_KEYS,
];

/** RFC 768's ceiling for one IPv4 datagram's payload. */
const MAX_DATAGRAM = 65_507;

interface Transport {
  write(frames: Buffer[], signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

class UdpTransport implements Transport {
  private socket: UdpSocket | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  private open(): UdpSocket {
    if (!this.socket) {
      this.socket = createSocket(isIP(this.host) === 6 ? 'udp6' : 'udp4');
      // Errors surface through send callbacks; an unhandled 'error' event must not crash saker.
      this.socket.on('error', () => {});
      this.socket.unref();
    }
    return this.socket;
  }

  async write(frames: Buffer[]): Promise<void> {
    const socket = this.open();
    for (const datagram of frames) {
      if (datagram.length > MAX_DATAGRAM) {
        throw new PermanentError(`a ${datagram.length}-byte syslog message does not fit in a UDP datagram (at most ${MAX_DATAGRAM}); use protocol tcp`);
      }
      await new Promise<void>((resolve, reject) => socket.send(datagram, this.port, this.host, (err) => (err ? reject(failureForNetworkError('syslog receiver (udp)', err)) : resolve())));
    }
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

class StreamTransport implements Transport {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;

  constructor(
    private readonly what: string,
    private readonly dial: () => Socket,
    private readonly readyEvent: 'connect' | 'secureConnect',
  ) {}

  private connect(signal: AbortSignal): Promise<Socket> {
    if (this.socket && !this.socket.destroyed && this.socket.writable) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const socket = this.dial();
      const fail = (err: unknown) => {
        socket.destroy();
        cleanup();
        reject(failureForNetworkError(this.what, err));
      };
      const onAbort = () => fail(signal.reason ?? new Error('aborted'));
      const cleanup = () => {
        socket.off('error', fail);
        signal.removeEventListener('abort', onAbort);
        this.connecting = undefined;
      };
      socket.once('error', fail);
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once(this.readyEvent, () => {
        cleanup();
        socket.setKeepAlive(true, 30_000);
        // A receiver that closes or resets the connection: forget it; the next write dials again.
        socket.on('error', () => socket.destroy());
        socket.on('close', () => {
          if (this.socket === socket) this.socket = undefined;
        });
        // Receivers never speak; reading keeps a FIN from the peer noticed.
        socket.resume();
        this.socket = socket;
        resolve(socket);
      });
    });
    return this.connecting;
  }

  async write(frames: Buffer[], signal: AbortSignal): Promise<void> {
    const socket = await this.connect(signal);
    await new Promise<void>((resolve, reject) => {
      const onClose = () => reject(new RetryableError(`${this.what} closed the connection during the write`));
      socket.once('close', onClose);
      socket.write(Buffer.concat(frames), (err) => {
        socket.off('close', onClose);
        if (err) {
          socket.destroy();
          reject(failureForNetworkError(this.what, err));
        } else resolve();
      });
    });
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 2000).unref();
    });
  }
}

class SyslogOutput implements Output {
  constructor(
    readonly name: string,
    readonly maxBatch: number,
    private readonly transport: Transport,
    private readonly format: (alert: Alert) => string,
    private readonly framing: Framing | 'datagram',
  ) {}

  async send(alerts: Alert[], ctx: SendContext): Promise<void> {
    const frames = alerts.map((a) => (this.framing === 'datagram' ? Buffer.from(this.format(a), 'utf8') : frame(this.format(a), this.framing)));
    await this.transport.write(frames, ctx.signal);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

export const syslog: OutputModule = {
  type: 'syslog',
  summary: 'Syslog (RFC 5424) over UDP, TCP or TLS, the alert as JSON or CEF, severity from the priority',
  keys,
  isEnabled: (config) => Boolean(config.host),
  create(config, ctx) {
    const c = new SectionConfig('syslog', keys, config);
    const host = c.requiredString('host');
    const protocol = c.choice<'tcp' | 'udp' | 'tls'>('protocol');
    const port = config.port === undefined || config.port === '' ? (protocol === 'tls' ? 6514 : 514) : c.number('port');
    const header: SyslogHeader = {
      facility: c.choice<Facility>('facility'),
      appName: c.requiredString('appname'),
      procId: String(process.pid),
      fallbackHostname: ctx.hostname,
    };
    const cef = c.choice('format') === 'cef';
    const format = (alert: Alert) => rfc5424(alert, cef ? cefRecord(alert, ctx.hostname) : JSON.stringify(alert), header);

    if (protocol === 'udp') return new SyslogOutput('syslog', 100, new UdpTransport(host, port), format, 'datagram');
    let transport: StreamTransport;
    if (protocol === 'tls') {
      const options: ConnectionOptions = { ...clientTlsOptions('syslog', config, ctx), host, port, servername: isIP(host) ? undefined : host };
      transport = new StreamTransport('syslog receiver (tls)', () => tlsConnect(options), 'secureConnect');
    } else {
      transport = new StreamTransport('syslog receiver (tcp)', () => netConnect({ host, port }), 'connect');
    }
    return new SyslogOutput('syslog', 500, transport, format, protocol === 'tls' ? 'octet-counting' : c.choice<Framing>('framing'));
  },
};
