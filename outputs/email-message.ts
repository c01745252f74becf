// The mail for one alert, or a digest of several: a subject, a plain-text body and an HTML body. Every alert
// value is attacker-controlled (file names, command lines, user names), so the HTML escapes all of it and
// the subject and headers lose their line breaks.

import { render, type AlertTemplate } from './alert-template.js';
import type { Alert } from './output.js';
import { PRIORITY_ORDER, priorityRank } from './priority.js';

export interface MailContent {
  subject: string;
  text: string;
  html?: string;
  /** Importance for the mail client: high for Emergency, Alert and Critical. */
  priority: 'high' | 'normal' | 'low';
  headers: Record<string, string>;
}

const COLOURS: Record<Alert['priority'], string> = {
  Emergency: '#b00020',
  Alert: '#e01e5a',
  Critical: '#e8590c',
  Error: '#f2a900',
  Warning: '#c9b200',
  Notice: '#2eb886',
  Informational: '#439fe0',
  Debug: '#808080',
};

const SUBJECT_MAX = 200;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One line, bounded: a subject or header value must not carry a line break from an alert. */
export function headerText(text: string, max = SUBJECT_MAX): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\r\n\t\u0000-\u001f\u007f]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

function importance(alerts: readonly Alert[]): MailContent['priority'] {
  const severe = alerts.some((a) => priorityRank(a.priority) <= priorityRank('Critical'));
  return severe ? 'high' : alerts.every((a) => a.priority === 'Debug') ? 'low' : 'normal';
}

function attributes(alert: Alert): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['Rule', alert.rule],
    ['Priority', alert.priority],
    ['Time', alert.time],
    ['Source', alert.source],
    ['Hostname', alert.hostname],
  ];
  if (alert.tags.length > 0) rows.push(['Tags', alert.tags.join(', ')]);
  rows.push(['UUID', alert.uuid]);
  return rows;
}

function fieldRows(alert: Alert): Array<[string, string]> {
  return Object.entries(alert.output_fields)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => [name, render(value)]);
}

function alertText(alert: Alert): string {
  const pad = (rows: Array<[string, string]>, indent: string) => {
    const width = Math.max(...rows.map(([k]) => k.length)) + 1;
    return rows.map(([k, v]) => `${indent}${`${k}:`.padEnd(width)} ${v}`).join('\n');
  };
  const lines = [`[${alert.priority}] ${alert.rule}`, '', alert.output, '', pad(attributes(alert), '')];
  const fields = fieldRows(alert);
  if (fields.length > 0) lines.push('', 'Output fields:', pad(fields, '  '));
  return lines.join('\n');
}

function table(rows: Array<[string, string]>): string {
  const cells = rows
    .map(([k, v]) => `<tr><th align="left" style="padding:2px 12px 2px 0;vertical-align:top;white-space:nowrap">${escapeHtml(k)}</th><td style="padding:2px 0;font-family:monospace;word-break:break-all">${escapeHtml(v)}</td></tr>`)
    .join('');
  return `<table cellspacing="0" cellpadding="0" style="border-collapse:collapse;font-size:13px">${cells}</table>`;
}

function alertHtml(alert: Alert): string {
  const colour = COLOURS[alert.priority];
  const fields = fieldRows(alert);
  return [
    `<div style="border-left:6px solid ${colour};padding:8px 12px;margin:0 0 16px 0">`,
    `<h2 style="margin:0 0 8px 0;font-size:16px"><span style="color:${colour}">${escapeHtml(alert.priority)}</span> ${escapeHtml(alert.rule)}</h2>`,
    `<p style="margin:0 0 12px 0;font-family:monospace;white-space:pre-wrap">${escapeHtml(alert.output)}</p>`,
    table(attributes(alert)),
    fields.length > 0 ? `<h3 style="margin:12px 0 4px 0;font-size:14px">Output fields</h3>${table(fields)}` : '',
    '</div>',
  ].join('');
}

function page(body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">${body}<p style="color:#808080;font-size:11px">Sent by saker</p></body></html>`;
}

export function alertMail(alert: Alert, subject: AlertTemplate, html: boolean): MailContent {
  return {
    subject: headerText(subject(alert)),
    text: `${alertText(alert)}\n\n-- \nSent by saker\n`,
    html: html ? page(alertHtml(alert)) : undefined,
    priority: importance([alert]),
    headers: { 'X-Saker-Rule': headerText(alert.rule, 500), 'X-Saker-Priority': alert.priority, 'X-Saker-Alert-Id': headerText(alert.uuid, 100) },
  };
}

/** One mail for a batch: a count by priority in the subject, then every alert, most severe first. */
export function digestMail(alerts: readonly Alert[], html: boolean): MailContent {
  const sorted = [...alerts].sort((a, b) => priorityRank(a.priority) - priorityRank(b.priority));
  const counts = PRIORITY_ORDER
    .map((p) => [p, alerts.filter((a) => a.priority === p).length] as const)
    .filter(([, n]) => n > 0)
    .map(([p, n]) => `${n} ${p}`)
    .join(', ');
  const rules = [...new Set(sorted.map((a) => a.rule))];
  const subject = `[saker] ${alerts.length} alert${alerts.length === 1 ? '' : 's'} (${counts}): ${rules.join(', ')}`;
  const separator = `\n\n${'-'.repeat(72)}\n\n`;
  return {
    subject: headerText(subject),
    text: `${alerts.length} alerts (${counts})${separator}${sorted.map(alertText).join(separator)}\n\n-- \nSent by saker\n`,
    html: html ? page(`<p>${alerts.length} alerts (${escapeHtml(counts)})</p>${sorted.map(alertHtml).join('')}`) : undefined,
    priority: importance(alerts),
    headers: { 'X-Saker-Alert-Count': String(alerts.length) },
  };
}
