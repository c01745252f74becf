// Message templates in the subset of Go's text/template that Falcosidekick users write in `messageformat`
// (`{{ .Rule }}`, `{{ index .OutputFields "user.name" }}`, `{{ or (index .OutputFields "k") "none" }}`), so a
// Falcosidekick config keeps working. Templates are compiled once, at start-up, so a typo is a config error
// naming the key and the column, never a surprise on the first alert.

import type { Alert } from './output.js';

type Value = Alert[keyof Alert] | Alert['output_fields'][string] | undefined;

/** The fields a template can name, as Falcosidekick spells them. */
const FIELDS: Record<string, (a: Alert) => Value> = {
  UUID: (a) => a.uuid,
  Output: (a) => a.output,
  Priority: (a) => a.priority,
  Rule: (a) => a.rule,
  Time: (a) => a.time,
  Source: (a) => a.source,
  Tags: (a) => a.tags,
  Hostname: (a) => a.hostname,
  OutputFields: (a) => a.output_fields,
};

export type AlertTemplate = (alert: Alert) => string;

type Expr = (alert: Alert) => Value;

class TemplateError extends Error {}

/**
 * Compiles `text`. `where` names the config key for errors (`slack.messageformat`). Missing values (an
 * output field the alert lacks) render as an empty string, where Go would print `<no value>`. `escape`
 * applies to what the alert supplies, never to the template's own text: alert fields are attacker-controlled,
 * the template is the operator's.
 */
export function compileTemplate(text: string, where: string, escape: (s: string) => string = (s) => s): AlertTemplate {
  try {
    const parts = parse(text);
    return (alert) => {
      let out = '';
      for (const part of parts) out += typeof part === 'string' ? part : escape(render(part(alert)));
      return out;
    };
  } catch (err) {
    if (err instanceof TemplateError) throw new Error(`${where}: ${err.message}`);
    throw err;
  }
}

/** A value as text: lists joined with ", ", maps as JSON, missing and null as nothing. */
export function render(value: Value): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => render(v)).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function parse(text: string): Array<string | Expr> {
  const parts: Array<string | Expr> = [];
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf('{{', pos);
    if (open < 0) {
      parts.push(text.slice(pos));
      break;
    }
    let literal = text.slice(pos, open);
    let start = open + 2;
    if (text.startsWith('-', start) && /\s/.test(text[start + 1] ?? '')) {
      literal = literal.trimEnd();
      start += 1;
    }
    if (literal) parts.push(literal);
    const close = text.indexOf('}}', start);
    if (close < 0) throw new TemplateError(`column ${open + 1}: '{{' is never closed`);
    let end = close;
    let trimAfter = false;
    if (text[close - 1] === '-' && /\s/.test(text[close - 2] ?? '')) {
      end = close - 1;
      trimAfter = true;
    }
    const body = text.slice(start, end);
    if (!/^\s*\/\*[\s\S]*\*\/\s*$/.test(body)) parts.push(parseAction(body, start));
    pos = close + 2;
    if (trimAfter) while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  }
  return parts;
}

type Token = { kind: 'field' | 'string' | 'number' | 'ident' | '(' | ')'; text: string; col: number };

function tokenize(body: string, offset: number): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|(\.[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*|\.)|("(?:[^"\\]|\\.)*"|`[^`]*`)|(-?\d+)|([A-Za-z_]\w*)|([()])/y;
  let i = 0;
  while (i < body.length) {
    re.lastIndex = i;
    const m = re.exec(body);
    const col = offset + i + 1;
    if (!m) throw new TemplateError(`column ${col}: unexpected '${body[i]}'`);
    if (m[1]) tokens.push({ kind: 'field', text: m[1], col });
    else if (m[2]) tokens.push({ kind: 'string', text: m[2], col });
    else if (m[3]) tokens.push({ kind: 'number', text: m[3], col });
    else if (m[4]) tokens.push({ kind: 'ident', text: m[4], col });
    else if (m[5]) tokens.push({ kind: m[5] as '(' | ')', text: m[5], col });
    i = re.lastIndex;
  }
  return tokens;
}

function parseAction(body: string, offset: number): Expr {
  const tokens = tokenize(body, offset);
  if (tokens.length === 0) throw new TemplateError(`column ${offset + 1}: empty action {{ }}`);
  let at = 0;

  /** A function call or a single operand, up to a `)` or the end of the action. */
  const command = (): Expr => {
    const first = tokens[at];
    if (!first) throw new TemplateError(`column ${offset + body.length + 1}: expression expected`);
    if (first.kind === 'ident') {
      at++;
      const args: Expr[] = [];
      while (at < tokens.length && tokens[at]!.kind !== ')') args.push(operand());
      return call(first, args);
    }
    const expr = operand();
    if (at < tokens.length && tokens[at]!.kind !== ')') {
      throw new TemplateError(`column ${tokens[at]!.col}: unexpected '${tokens[at]!.text}' (a function such as index or or must come first)`);
    }
    return expr;
  };

  const operand = (): Expr => {
    const t = tokens[at++];
    if (!t) throw new TemplateError(`column ${offset + body.length + 1}: operand expected`);
    switch (t.kind) {
      case 'field':
        return fieldAccess(t);
      case 'string': {
        const s = t.text.startsWith('`') ? t.text.slice(1, -1) : quoted(t);
        return () => s;
      }
      case 'number': {
        const n = Number(t.text);
        return () => n;
      }
      case '(': {
        const inner = command();
        if (tokens[at]?.kind !== ')') throw new TemplateError(`column ${t.col}: '(' is never closed`);
        at++;
        return inner;
      }
      case 'ident':
        throw new TemplateError(`column ${t.col}: a function call as an argument needs parentheses: (${t.text} …)`);
      default:
        throw new TemplateError(`column ${t.col}: unexpected '${t.text}'`);
    }
  };

  const expr = command();
  if (at < tokens.length) throw new TemplateError(`column ${tokens[at]!.col}: unexpected '${tokens[at]!.text}'`);
  return expr;
}

/** A double-quoted string; Go's escapes beyond JSON's (\x41, \101) are not supported. */
function quoted(t: Token): string {
  try {
    return JSON.parse(t.text) as string;
  } catch {
    throw new TemplateError(`column ${t.col}: cannot read the string ${t.text}; use JSON's escapes (\\n, \\", \\u0041) or a \`raw\` string`);
  }
}

function fieldAccess(t: Token): Expr {
  if (t.text === '.') return (a) => a as unknown as Value;
  const [name, ...rest] = t.text.slice(1).split('.');
  const get = FIELDS[name!];
  if (!get) {
    throw new TemplateError(`column ${t.col}: unknown field .${name}; use one of ${Object.keys(FIELDS).map((f) => '.' + f).join(', ')}`);
  }
  if (rest.length === 0) return get;
  return (a) => rest.reduce<Value>((v, key) => lookup(v, key), get(a));
}

function lookup(container: Value, key: string | number): Value {
  if (container === null || container === undefined || typeof container !== 'object') return undefined;
  if (Array.isArray(container)) return typeof key === 'number' ? container[key] : undefined;
  return Object.prototype.hasOwnProperty.call(container, key) ? container[key as string] : undefined;
}

function isEmpty(v: Value): boolean {
  return v === undefined || v === null || v === '' || v === false || v === 0 || (Array.isArray(v) && v.length === 0);
}

function call(fn: Token, args: Expr[]): Expr {
  switch (fn.text) {
    case 'index':
      if (args.length < 2) throw new TemplateError(`column ${fn.col}: index takes a map or list and at least one key`);
      return (a) => {
        let v = args[0]!(a);
        for (const key of args.slice(1)) {
          const k = key(a);
          v = lookup(v, typeof k === 'number' ? k : render(k));
        }
        return v;
      };
    case 'or':
      if (args.length < 1) throw new TemplateError(`column ${fn.col}: or takes at least one argument`);
      return (a) => {
        let v: Value;
        for (const arg of args) {
          v = arg(a);
          if (!isEmpty(v)) return v;
        }
        return v;
      };
    case 'print':
      return (a) => args.map((arg) => render(arg(a))).join('');
    default:
      throw new TemplateError(`column ${fn.col}: unknown function '${fn.text}'; saker's templates know index, or and print`);
  }
}
