// Email over SMTP with nodemailer (Falcosidekick's `smtp` section): a pool of kept-open connections rather
// than one per alert, TLS required by default (STARTTLS, or implicit TLS on port 465), one mail per alert or
// a digest per batch. SMTP's own reply codes decide retries: 4xx is "try later", 5xx is final. nodemailer is
// loaded when the output starts, not with saker.

import { isIP } from 'node:net';
import type { Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { Logger } from 'pino';
import { compileTemplate, type AlertTemplate } from './alert-template.js';
import { deliverEach } from './deliver-each.js';
import { alertMail, digestMail, headerText, type MailContent } from './email-message.js';
import { PermanentError, RetryableError, type Alert, type ConfigKey, type DeliveryError, type Output, type OutputModule, type SendContext } from './output.js';
import { failureForNetworkError } from './http-failures.js';
import { Lazy } from './lazy.js';
import { SectionConfig } from './section-config.js';
import { CLIENT_TLS_KEYS, clientTlsOptions } from './tls.js';

const keys: readonly ConfigKey[] = [
  { name: 'hostport', type: 'string', doc: '`host:port` of the SMTP server; setting it enables the output. Without a port: 587, or 465 with `implicittls`. Falcosidekick: `smtp.hostport`.' },
  { name: 'tls', type: 'bool', default: true, doc: 'Require an encrypted connection: STARTTLS (refusing a server that does not offer it), or implicit TLS. `false` sends in clear text: trusted networks only. Falcosidekick: `smtp.tls`.' },
  { name: 'implicittls', type: 'bool', doc: 'TLS from the first byte (SMTPS) instead of STARTTLS. Default: true on port 465, false otherwise.' },
  {
    name: 'authmechanism',
    type: 'enum',
    values: ['plain', 'login', 'xoauth2', 'none', 'oauthbearer', 'external', 'anonymous'],
    default: 'plain',
    doc: 'SASL mechanism: `plain`, `login`, `xoauth2` (with `user` and `token`) or `none`. Used only when `user` is set. Falcosidekick: `smtp.authmechanism` (its `oauthbearer`, `external` and `anonymous` are refused with an explanation).',
  },
  { name: 'user', type: 'string', doc: 'User name to authenticate with. Falcosidekick: `smtp.user`.' },
  { name: 'password', type: 'string', secret: true, doc: 'Password for `plain` and `login`. Falcosidekick: `smtp.password`.' },
  { name: 'token', type: 'string', secret: true, doc: 'OAuth 2 access token for `xoauth2`. Falcosidekick: `smtp.token`.' },
  { name: 'from', type: 'string', doc: 'Sender address (required). Falcosidekick: `smtp.from`.' },
  { name: 'to', type: 'string[]', doc: 'Recipient addresses (required; comma-separated text is accepted too). Falcosidekick: `smtp.to`.' },
  { name: 'outputformat', type: 'enum', values: ['html', 'text'], default: 'html', doc: '`html`: an HTML body with a plain-text alternative; `text`: plain text only. Falcosidekick: `smtp.outputformat`.' },
  { name: 'subject', type: 'string', default: '[{{ .Priority }}] {{ .Rule }}: {{ .Output }}', doc: 'Template of the subject of a one-alert mail (line breaks removed, cut to 200 characters).' },
  { name: 'digest', type: 'bool', default: false, doc: 'Send one mail per batch (up to `digestsize` alerts, most severe first) instead of one per alert.' },
  { name: 'digestsize', type: 'int', default: 50, min: 1, max: 1000, doc: 'Most alerts in one digest mail.' },
  { name: 'maxconnections', type: 'int', default: 3, min: 1, max: 50, doc: 'Pooled SMTP connections kept open (and mails sent in parallel).' },
  ...CLIENT_TLS_KEYS,
];

const nodemailer = new Lazy(() => import('nodemailer'));

const UNSUPPORTED_MECHANISMS: Record<string, string> = {
  oauthbearer: 'OAUTHBEARER is not supported; use xoauth2 with the same token (Gmail and Microsoft 365 accept it)',
  external: 'EXTERNAL (client-certificate) authentication is not supported; use plain or login',
  anonymous: 'ANONYMOUS is not supported; leave user empty to send without authentication',
};

/** A nodemailer failure as a verdict: SMTP 4xx retry, 5xx and bad credentials are final, no answer retries. */
export function classifySmtpError(err: unknown): DeliveryError {
  const e = err as { responseCode?: number; code?: string; command?: string; response?: string; message?: string };
  const reply = headerText(e.response ?? e.message ?? String(err), 500);
  if (typeof e.responseCode === 'number') {
    const to = e.command && e.command !== 'DATA' && !e.command.startsWith('AUTH') ? ` to ${e.command.split(' ')[0]}` : '';
    const message = `SMTP server answered ${e.responseCode}${to}: ${reply}`;
    return e.responseCode >= 500 ? new PermanentError(message) : new RetryableError(message);
  }
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') return new PermanentError(`SMTP authentication failed: ${reply}`);
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return new PermanentError(`SMTP refused the mail: ${reply}`);
  // No SMTP reply: the connection or the TLS handshake failed. nodemailer replaces a certificate error's own
  // code with ESOCKET, so its text is what is left to recognise it by; certificate problems are final.
  if (e.code === 'ESOCKET' && /certificate|altnames/i.test(e.message ?? '')) {
    return new PermanentError(`SMTP server: ${e.message}; trust the server's CA with tlsclient.cacertfile, or set checkcert: false`);
  }
  return failureForNetworkError('SMTP server', err);
}

class EmailOutput implements Output {
  readonly maxBatch: number;
  private readonly transport: Lazy<Transporter>;

  constructor(
    readonly name: string,
    transportOptions: SMTPPool.Options,
    private readonly envelope: { from: string; to: string[] },
    private readonly options: { digest: boolean; digestSize: number; html: boolean; subject: AlertTemplate; parallel: number },
    private readonly logger: Logger,
  ) {
    this.maxBatch = options.digest ? options.digestSize : options.parallel * 4;
    // The pool connects on the first mail, not here.
    this.transport = new Lazy(async () => (await nodemailer.get()).default.createTransport(transportOptions));
  }

  /** Loads nodemailer before saker listens. */
  async start(): Promise<void> {
    await this.transport.get();
  }

  async send(alerts: Alert[], ctx: SendContext): Promise<void> {
    if (this.options.digest) {
      await this.mail(digestMail(alerts, this.options.html));
      return;
    }
    await deliverEach(alerts, this.options.parallel, ctx.signal, (alert) => this.mail(alertMail(alert, this.options.subject, this.options.html)));
  }

  private async mail(content: MailContent): Promise<void> {
    const transport = await this.transport.get();
    let info: { rejected?: unknown[]; accepted?: unknown[] };
    try {
      info = (await transport.sendMail({ ...this.envelope, ...content })) as typeof info;
    } catch (err) {
      throw classifySmtpError(err);
    }
    // Some recipients took it: the mail is delivered; the refused addresses are a config problem to report.
    if (info.rejected && info.rejected.length > 0) {
      this.logger.warn({ rejected: info.rejected.map(String) }, 'SMTP server refused some recipients; the others got the mail');
    }
  }

  async close(): Promise<void> {
    (await this.transport.made())?.close();
  }
}

function parseHostPort(c: SectionConfig, implicit: boolean | undefined): { host: string; port: number } {
  const text = c.requiredString('hostport');
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(text.trim());
  if (!m) return c.fail('hostport', `expected host:port, got '${text}'`);
  const port = m[3] ? Number(m[3]) : implicit ? 465 : 587;
  if (port < 1 || port > 65535) return c.fail('hostport', `port ${port} is out of range`);
  return { host: (m[1] ?? m[2])!, port };
}

export const smtp: OutputModule = {
  type: 'smtp',
  summary: 'Email over SMTP (pooled, TLS by default): one mail per alert with plain-text and HTML bodies, or digests',
  keys,
  isEnabled: (config) => Boolean(config.hostport),
  create(config, ctx) {
    const c = new SectionConfig('smtp', keys, config);
    const explicitImplicit = c.optionalBool('implicittls');
    const { host, port } = parseHostPort(c, explicitImplicit);
    const implicitTls = explicitImplicit ?? port === 465;
    const requireTls = c.bool('tls');
    const from = c.requiredString('from', 'required: the sender address');
    const to = c.list('to');
    if (to.length === 0) c.fail('to', 'required: at least one recipient');

    const transportOptions: SMTPPool.Options = {
      pool: true,
      host,
      port,
      secure: implicitTls,
      requireTLS: requireTls && !implicitTls,
      ignoreTLS: !requireTls && !implicitTls,
      maxConnections: c.number('maxconnections'),
      maxMessages: 100,
      connectionTimeout: ctx.timeoutMs,
      greetingTimeout: ctx.timeoutMs,
      socketTimeout: ctx.timeoutMs,
      tls: { ...clientTlsOptions('smtp', config, ctx), servername: isIP(host) ? undefined : host },
      logger: false,
      disableFileAccess: true,
      disableUrlAccess: true,
    };
    const user = c.string('user');
    const mechanism = c.choice<string>('authmechanism');
    if (user && mechanism !== 'none') {
      if (UNSUPPORTED_MECHANISMS[mechanism]) c.fail('authmechanism', UNSUPPORTED_MECHANISMS[mechanism]!);
      if (mechanism === 'xoauth2') {
        transportOptions.auth = { type: 'OAuth2', user, accessToken: c.requiredString('token', 'required with authmechanism xoauth2') };
      } else {
        transportOptions.auth = { user, pass: c.requiredString('password', `required with user and authmechanism ${mechanism}`) };
        transportOptions.authMethod = mechanism.toUpperCase();
      }
    }
    return new EmailOutput(
      'smtp',
      transportOptions,
      { from, to },
      {
        digest: c.bool('digest'),
        digestSize: c.number('digestsize'),
        html: c.choice('outputformat') === 'html',
        subject: compileTemplate(c.requiredString('subject'), 'smtp.subject'),
        parallel: c.number('maxconnections'),
      },
      ctx.logger,
    );
  },
};
