// The Slack message for one alert, the same for chat.postMessage and incoming webhooks: an attachment coloured
// by priority holding the output line and the alert's fields, plus an optional operator-written text above it.
// Alert text is attacker-controlled, so Slack's control characters are escaped: a file named `<!channel>` must
// not page a whole channel.

import { epochMs } from './alert-time.js';
import { render, type AlertTemplate } from './alert-template.js';
import type { Alert } from './output.js';

export type SlackOutputFormat = 'all' | 'text' | 'fields';

export interface SlackMessageOptions {
  format: SlackOutputFormat;
  template?: AlertTemplate;
  channel?: string;
  username?: string;
  /** An image URL, or an emoji name such as `:rotating_light:`. */
  icon?: string;
  footer?: string;
}

export interface SlackField {
  title: string;
  value: string;
  short: boolean;
}

export interface SlackAttachment {
  fallback: string;
  color: string;
  text?: string;
  fields?: SlackField[];
  footer?: string;
  /** Epoch seconds of the alert, shown beside the footer. */
  ts: string;
}

export interface SlackMessage {
  text?: string;
  attachments: SlackAttachment[];
  channel?: string;
  username?: string;
  icon_url?: string;
  icon_emoji?: string;
}

/** Red for the pageable priorities, fading to grey for the chatter. */
export const PRIORITY_COLOURS: Record<Alert['priority'], string> = {
  Emergency: '#b00020',
  Alert: '#e01e5a',
  Critical: '#e8590c',
  Error: '#f2a900',
  Warning: '#ecd000',
  Notice: '#2eb886',
  Informational: '#439fe0',
  Debug: '#a0a0a0',
};

/** Slack parses `&`, `<` and `>` as control sequences (mentions, links) in every text it shows. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Slack rejects over-long messages (msg_too_long); these bounds keep a huge alert deliverable.
const MAX_TEXT = 3000;
const MAX_FIELD_VALUE = 500;
const MAX_FIELDS = 40;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function field(title: string, value: string, short = value.length <= 40): SlackField {
  return { title: escapeSlack(title), value: escapeSlack(clip(value, MAX_FIELD_VALUE)), short };
}

function fieldsOf(alert: Alert): SlackField[] {
  const fields = [field('rule', alert.rule), field('priority', alert.priority), field('source', alert.source)];
  if (alert.hostname) fields.push(field('hostname', alert.hostname));
  if (alert.tags.length > 0) fields.push(field('tags', alert.tags.join(', ')));
  const entries = Object.entries(alert.output_fields).sort(([a], [b]) => a.localeCompare(b));
  const room = MAX_FIELDS - fields.length;
  for (const [name, value] of entries.slice(0, entries.length > room ? room - 1 : room)) {
    fields.push(field(name, render(value)));
  }
  if (entries.length > room) fields.push(field('…', `${entries.length - room + 1} more output fields not shown`, false));
  return fields;
}

export function slackMessage(alert: Alert, options: SlackMessageOptions): SlackMessage {
  const output = clip(alert.output || alert.rule, MAX_TEXT);
  const attachment: SlackAttachment = {
    fallback: escapeSlack(clip(`[${alert.priority}] ${alert.rule}: ${output}`, 300)),
    color: PRIORITY_COLOURS[alert.priority],
    ts: String(Math.floor(epochMs(alert.time) / 1000)),
  };
  if (options.format !== 'fields') attachment.text = escapeSlack(output);
  if (options.format !== 'text') attachment.fields = fieldsOf(alert);
  if (options.footer) attachment.footer = options.footer;

  const message: SlackMessage = { attachments: [attachment] };
  if (options.template) message.text = clip(options.template(alert), MAX_TEXT);
  if (options.channel) message.channel = options.channel;
  if (options.username) message.username = options.username;
  if (options.icon) {
    if (/^:[\w+-]+:$/.test(options.icon)) message.icon_emoji = options.icon;
    else message.icon_url = options.icon;
  }
  return message;
}
