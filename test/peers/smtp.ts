// A real SMTP server (smtp-server, in process) with STARTTLS on a self-signed certificate and PLAIN/LOGIN
// auth, keeping every accepted message raw and decoded: headers, text and HTML parts. Counts connections so
// tests can prove pooling, and can refuse a message or a recipient on demand.

import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { testCertificate, type TestCertificate } from './tls.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** Header names lowercased, values unfolded and MIME-word decoded. */
  headers: Map<string, string>;
  text?: string;
  html?: string;
  /** Whether the session had switched to TLS when the message came. */
  secure: boolean;
  user?: string;
}

export interface SmtpPeerOptions {
  user?: string;
  password?: string;
  /** No STARTTLS at all (an old or downgraded server). */
  noStartTls?: boolean;
  /** TLS from the first byte (SMTPS). */
  implicitTls?: boolean;
}

export class SmtpPeer {
  readonly mails: ReceivedMail[] = [];
  connections = 0;
  /** SMTP replies for the next messages' DATA, e.g. {code: 451, message: 'try later'}. */
  readonly failNextData: Array<{ code: number; message: string }> = [];
  /** Recipients refused at RCPT TO with 550. */
  readonly refusedRecipients = new Set<string>();

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
    readonly certificate: TestCertificate,
  ) {}

  static async start(options: SmtpPeerOptions = {}): Promise<SmtpPeer> {
    const certificate = testCertificate();
    let peer: SmtpPeer | undefined;
    const server = new SMTPServer({
      secure: options.implicitTls ?? false,
      key: certificate.key,
      cert: certificate.cert,
      disabledCommands: options.noStartTls ? ['STARTTLS'] : [],
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: options.user === undefined,
      allowInsecureAuth: false,
      disableReverseLookup: true,
      logger: false,
      onConnect(_session, callback) {
        peer!.connections++;
        callback();
      },
      onAuth(auth, _session, callback) {
        if (auth.username === options.user && auth.password === options.password) return callback(null, { user: auth.username });
        const err = Object.assign(new Error('Invalid username or password'), { responseCode: 535 });
        callback(err);
      },
      onRcptTo(address: SMTPServerAddress, _session, callback) {
        if (peer!.refusedRecipients.has(address.address)) {
          return callback(Object.assign(new Error(`No such user: ${address.address}`), { responseCode: 550 }));
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const failure = peer!.failNextData.shift();
          if (failure) return callback(Object.assign(new Error(failure.message), { responseCode: failure.code }));
          const raw = Buffer.concat(chunks).toString('utf8');
          peer!.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            secure: session.secure,
            user: session.user as string | undefined,
            ...parseMessage(raw),
          });
          callback();
        });
      },
    });
    server.on('error', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    peer = new SmtpPeer(server, port, certificate);
    return peer;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// ---- a small MIME reader: enough for nodemailer's multipart/alternative with QP or base64 parts ----------

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r\n[ \t]+/g, ' ').split(/\r\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  return headers;
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BQbq])\?([^?]*)\?=\s*(?==\?)?/g, (_m, _charset: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(decodeQuotedPrintable(text.replace(/_/g, ' ')), 'latin1').toString('utf8'),
  );
}

function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return Buffer.from(decodeQuotedPrintable(body), 'latin1').toString('utf8');
    default:
      return body;
  }
}

function parseMessage(raw: string): { headers: Map<string, string>; text?: string; html?: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = parseHeaders(raw.slice(0, split));
  const body = raw.slice(split + 4);
  const out: { headers: Map<string, string>; text?: string; html?: string } = { headers };
  collectParts(headers, body, out);
  return out;
}

function collectParts(headers: Map<string, string>, body: string, out: { text?: string; html?: string }): void {
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.startsWith('multipart/') && boundary) {
    for (const part of body.split(`--${boundary}`).slice(1)) {
      if (part.startsWith('--')) break;
      const trimmed = part.replace(/^\r\n/, '');
      const at = trimmed.indexOf('\r\n\r\n');
      collectParts(parseHeaders(trimmed.slice(0, at)), trimmed.slice(at + 4).replace(/\r\n$/, ''), out);
    }
    return;
  }
  const text = decodeBody(body, headers.get('content-transfer-encoding')).replace(/\r\n/g, '\n');
  if (type.startsWith('text/html')) out.html = text;
  else if (type.startsWith('text/plain')) out.text = text;
}
