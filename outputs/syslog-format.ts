// What goes on the wire to a syslog receiver: an RFC 5424 message whose MSG is the alert as JSON or as a CEF
// record (the format ArcSight, QRadar and most SIEMs parse), and the RFC 6587 framing for stream transports.

import { epochMs, withFraction } from './alert-time.js';
import { render } from './alert-template.js';
import type { Alert } from './output.js';
import { priorityRank } from './priority.js';

export const FACILITIES = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10,
  ftp: 11, local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
} as const;
export type Facility = keyof typeof FACILITIES;

/** CEF's 0–10 scale (10 most severe). */
const CEF_SEVERITY: Record<Alert['priority'], number> = {
  Emergency: 10, Alert: 9, Critical: 8, Error: 7, Warning: 6, Notice: 4, Informational: 3, Debug: 1,
};

/** RFC 5424 header fields are printable US-ASCII without spaces, bounded; `-` when empty. */
function headerField(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean || '-';
}

export interface SyslogHeader {
  facility: Facility;
  appName: string;
  procId: string;
  fallbackHostname: string;
}

/** `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`: MSGID is the alert's source, no structured data. */
export function rfc5424(alert: Alert, msg: string, h: SyslogHeader): string {
  const pri = FACILITIES[h.facility] * 8 + priorityRank(alert.priority);
  const hostname = headerField(alert.hostname || h.fallbackHostname, 255);
  return `<${pri}>1 ${withFraction(alert.time, 6)} ${hostname} ${headerField(h.appName, 48)} ${headerField(h.procId, 128)} ${headerField(alert.source, 32)} - ${msg}`;
}

// ---- CEF -----------------------------------------------------------------------------------------------------

/** Header fields: `\` and `|` escaped, no line breaks. */
function cefHeader(text: string, max = 512): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, max).replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

/** Extension values: `\` and `=` escaped, line breaks as `\n` / `\r`. */
export function cefValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n|\n/g, '\\n').replace(/\r/g, '\\r');
}

/** Output fields with a standard CEF key of their own, so SIEM parsers map them without custom rules. */
const CEF_FIELD_KEYS: Record<string, string> = {
  'user.name': 'suser',
  'proc.name': 'sproc',
  'proc.pid': 'spid',
  'fd.name': 'filePath',
  'fd.sip': 'dst',
  'fd.sport': 'dpt',
  'fd.cip': 'src',
  'fd.cport': 'spt',
  'fd.l4proto': 'proto',
};

/**
 * `CEF:0|Falcosecurity|Falco|1.0|<rule>|<rule>|<0-10>|rt=… dvchost=… externalId=<uuid> cat=<source> msg=<output>
 * cs1Label=tags cs1=… cs2Label=outputFields cs2=<JSON>`, plus the standard keys of known output fields.
 */
export function cefRecord(alert: Alert, fallbackHostname: string): string {
  const ext: Array<[string, string]> = [
    ['rt', String(epochMs(alert.time))],
    ['dvchost', alert.hostname || fallbackHostname],
    ['externalId', alert.uuid],
    ['cat', alert.source],
    ['msg', alert.output],
    ['cs1Label', 'tags'],
    ['cs1', alert.tags.join(',')],
    ['cs2Label', 'outputFields'],
    ['cs2', JSON.stringify(alert.output_fields)],
  ];
  for (const [field, key] of Object.entries(CEF_FIELD_KEYS)) {
    const value = alert.output_fields[field];
    if (value !== undefined && value !== null && value !== '' && value !== '<NA>') ext.push([key, render(value)]);
  }
  const header = ['CEF:0', 'Falcosecurity', 'Falco', '1.0', cefHeader(alert.rule, 1023), cefHeader(alert.rule), String(CEF_SEVERITY[alert.priority])];
  return `${header.join('|')}|${ext.map(([k, v]) => `${k}=${cefValue(v)}`).join(' ')}`;
}

// ---- framing -------------------------------------------------------------------------------------------------

export type Framing = 'octet-counting' | 'newline';

/** RFC 6587: `LEN SP MSG` (octet counting, what RFC 5425 requires over TLS) or MSG LF (non-transparent). */
export function frame(message: string, framing: Framing): Buffer {
  if (framing === 'newline') return Buffer.from(`${message.replace(/\n/g, ' ')}\n`, 'utf8');
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
