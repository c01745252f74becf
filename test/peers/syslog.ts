// Syslog receivers: UDP (one message per datagram), TCP and TLS (RFC 6587 octet counting, or LF-terminated
// lines), each message parsed as RFC 5424. Tests and benchmarks read `messages`; `dropConnections` plays a
// receiver restart.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { testCertificate } from './tls.js';

export interface SyslogMessage {
  raw: string;
  pri: number;
  facility: number;
  severity: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: string;
  msg: string;
}

const RFC5424 = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?\]) ?([\s\S]*)$/;

export function parseRfc5424(raw: string): SyslogMessage {
  const m = RFC5424.exec(raw);
  if (!m) throw new Error(`not an RFC 5424 message: ${raw.slice(0, 120)}`);
  const pri = Number(m[1]);
  return {
    raw, pri, facility: pri >> 3, severity: pri & 7, version: Number(m[2]), timestamp: m[3]!, hostname: m[4]!,
    appName: m[5]!, procId: m[6]!, msgId: m[7]!, structuredData: m[8]!, msg: m[9]!,
  };
}

export type SyslogTransport = 'udp' | 'tcp' | 'tls';

export class SyslogReceiver {
  readonly messages: SyslogMessage[] = [];
  /** Framing errors seen on streams (a receiver would log and drop the connection). */
  readonly errors: string[] = [];
  connections = 0;
  /** Count only; skip parsing and keeping messages (benchmarks). */
  countOnly = false;
  received = 0;
  private readonly sockets = new Set<Socket>();
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  private constructor(
    readonly transport: SyslogTransport,
    private readonly server: Server | UdpSocket,
    readonly port: number,
  ) {}

  static async start(transport: SyslogTransport): Promise<SyslogReceiver> {
    let receiver: SyslogReceiver | undefined;
    if (transport === 'udp') {
      const socket = createSocket('udp4');
      socket.on('message', (buf) => receiver!.accept(buf.toString('utf8')));
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      receiver = new SyslogReceiver(transport, socket, socket.address().port);
      return receiver;
    }
    const onConnection = (socket: Socket) => {
      receiver!.connections++;
      receiver!.sockets.add(socket);
      socket.on('close', () => receiver!.sockets.delete(socket));
      socket.on('error', () => {});
      receiver!.readStream(socket);
    };
    const cert = testCertificate();
    const server = transport === 'tls' ? createTlsServer({ key: cert.key, cert: cert.cert }, onConnection) : createNetServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new SyslogReceiver(transport, server, (server.address() as AddressInfo).port);
    return receiver;
  }

  /** Resolves once `n` messages have arrived in all. */
  waitFor(n: number, timeoutMs = 5000): Promise<void> {
    if (this.received >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.received} of ${n} syslog messages arrived`)), timeoutMs);
      this.waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Closes every open connection, as a restarting receiver would. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    if (this.transport === 'udp') {
      await new Promise<void>((resolve) => (this.server as UdpSocket).close(() => resolve()));
      return;
    }
    this.dropConnections();
    await new Promise<void>((resolve) => (this.server as Server).close(() => resolve()));
  }

  private accept(raw: string): void {
    this.received++;
    if (!this.countOnly) this.messages.push(parseRfc5424(raw));
    this.waiters = this.waiters.filter((w) => (this.received >= w.n ? (w.resolve(), false) : true));
  }

  /** RFC 6587: a frame starting with a digit is octet-counted, anything else runs to LF. */
  private readStream(socket: Socket): void {
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        if (pending.length === 0) return;
        if (pending[0]! >= 0x30 && pending[0]! <= 0x39) {
          const space = pending.indexOf(0x20);
          if (space < 0) return;
          const len = Number(pending.subarray(0, space).toString('ascii'));
          if (!Number.isInteger(len) || space > 9) {
            this.errors.push(`bad octet count '${pending.subarray(0, space).toString()}'`);
            socket.destroy();
            return;
          }
          if (pending.length < space + 1 + len) return;
          this.accept(pending.subarray(space + 1, space + 1 + len).toString('utf8'));
          pending = pending.subarray(space + 1 + len);
        } else {
          const lf = pending.indexOf(0x0a);
          if (lf < 0) return;
          this.accept(pending.subarray(0, lf).toString('utf8'));
          pending = pending.subarray(lf + 1);
        }
      }
    });
  }
}
