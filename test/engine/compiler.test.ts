import { describe, expect, it } from 'vitest';
import {
  compileCondition,
  ConditionCompileError,
  eventCodeCount,
  isFieldExpression,
  parseCondition,
  SYSCALL_EVENT_NAMES,
} from '../../src/engine/index.js';
import { field, propertySource, type TestEvent } from './helpers.js';

const source = propertySource(
  'test',
  [
    field('proc.name', 'string'),
    field('proc.pname', 'string'),
    field('proc.aname', 'string', { arg: { kind: 'index', required: false } }),
    field('fd.name', 'string'),
    field('proc.pid', 'int64'),
    field('evt.rawtime', 'abstime'),
    field('evt.num', 'uint64'),
    field('fd.sport', 'port'),
    field('evt.failed', 'bool'),
    field('fd.sip', 'ipaddr'),
    field('fd.snet', 'ipnet', { flags: ['NO_RHS'] }),
    field('evt.buffer', 'bytebuf'),
    field('ka.req.pod.containers.image', 'string', { isList: true, arg: { kind: 'index', required: false } }),
    field('ka.req.pod.containers.name', 'string', { isList: true }),
    field('ka.target.subresource', 'string'),
    field('json.value', 'string', { arg: { kind: 'key', required: true } }),
    field('evt.type', 'string'),
    field('evt.cpu', 'int64'),
  ],
  { eventNames: new Set(['open', 'openat', 'execve', 'connect', 'close']) },
);

function matches(cond: string, ev: TestEvent): boolean {
  return compileCondition(parseCondition(cond), source).evaluate(ev);
}

function compileError(cond: string): ConditionCompileError {
  try {
    compileCondition(parseCondition(cond), source);
  } catch (e) {
    if (e instanceof ConditionCompileError) return e;
    throw e;
  }
  throw new Error(`compiled: ${cond}`);
}

describe('compileCondition: missing values', () => {
  it('makes every comparison on a missing field false; only `not` turns it true', () => {
    const ev: TestEvent = { 'proc.name': 'cat' };
    for (const c of [
      'ka.target.subresource = foo',
      'ka.target.subresource != foo',
      'ka.target.subresource in (foo)',
      'ka.target.subresource exists',
      'ka.target.subresource contains f',
      'proc.pid < 10',
      'proc.pid != 10',
      'proc.name = val(proc.pname)',
      'proc.pname = val(proc.name)',
    ]) {
      expect(matches(c, ev), c).toBe(false);
    }
    expect(matches('not ka.target.subresource = foo', ev)).toBe(true);
    expect(matches('not ka.target.subresource exists', ev)).toBe(true);
  });

  it('treats an empty list as missing', () => {
    expect(matches('ka.req.pod.containers.image exists', { 'ka.req.pod.containers.image': [] })).toBe(false);
    expect(matches('ka.req.pod.containers.image intersects (a)', { 'ka.req.pod.containers.image': [] })).toBe(false);
  });
});

describe('compileCondition: operators', () => {
  const ev: TestEvent = {
    'proc.name': 'Nginx-Worker',
    'fd.name': '/opt/dir/sub/file.txt',
    'proc.pid': 4242,
    'evt.rawtime': 1700000000123456789n,
    'evt.num': 0,
    'fd.sport': 443,
    'evt.failed': false,
    'fd.sip': '10.1.2.3',
    'fd.snet': '192.168.1.20',
    'evt.buffer': Uint8Array.from(Buffer.from('HTTP/1.1 200 OK')),
    'ka.req.pod.containers.image': ['nginx:1', 'redis:7'],
    'json.value[/a/b]': 'v',
  };
  const cases: Array<[string, boolean]> = [
    ['proc.name = Nginx-Worker', true],
    ['proc.name == nginx-worker', false],
    ['proc.name != Nginx-Worker', false],
    ['proc.name contains Work', true],
    ['proc.name icontains WORK', true],
    ['proc.name startswith Ngi', true],
    ['proc.name endswith er', true],
    ['proc.name glob "N*-W?rker"', true],
    ['proc.name glob "n*"', false],
    ['proc.name iglob "n*"', true],
    ['proc.name glob "[MN]ginx-*"', true],
    ['proc.name glob "[!N]*"', false],
    ['proc.name regex "Ng.*r"', true],
    ['proc.name regex "ginx"', false],
    ['proc.name regex "[[:upper:]][a-z]+-W.*"', true],
    ['proc.name regex "(Nginx|Apache)-[A-Z][a-z]{5}"', true],
    ['proc.name in (a, Nginx-Worker)', true],
    ['proc.name in ()', false],
    ['fd.name pmatch (/opt/dir)', true],
    ['fd.name pmatch (/opt/di)', false],
    ['fd.name pmatch (/etc, /opt/*/sub)', true],
    ['fd.name glob "/opt/*"', true],
    ['proc.pid = 4242', true],
    ['proc.pid > 4000 and proc.pid <= 4242', true],
    ['proc.pid in (1, 4242)', true],
    ['proc.pid != 1', true],
    ['evt.rawtime > 1700000000000000000', true],
    ['evt.rawtime = 1700000000123456789', true],
    ['evt.num = 0', true],
    ['fd.sport = 443', true],
    ['fd.sport = https', true],
    ['fd.sport in (80, 443)', true],
    ['evt.failed = false', true],
    ['evt.failed != true', true],
    ['fd.sip = 10.1.2.3', true],
    ['fd.sip = "10.1.2.4"', false],
    ['fd.sip in (10.1.2.3, ::1)', true],
    ['fd.snet = 192.168.0.0/16', true],
    ['fd.snet != "192.168.0.0/16"', false],
    ['fd.snet in ("10.0.0.0/8", "172.16.0.0/12")', false],
    ['evt.buffer bcontains 323030', true],
    ['evt.buffer bstartswith 48545450', true],
    ['evt.buffer contains "200 OK"', true],
    ['evt.buffer startswith HTTP', true],
    ['ka.req.pod.containers.image in (nginx:1, redis:7, x)', true],
    ['ka.req.pod.containers.image in (nginx:1)', false],
    ['ka.req.pod.containers.image intersects (nginx:1)', true],
    ['ka.req.pod.containers.image intersects (a, b)', false],
    ['json.value[/a/b] = v', true],
    ['proc.name = oneof (Nginx-Worker, x)', true],
    ['proc.name contains oneof (Nginx, Worker)', false],
    ['proc.name contains anyof (Nginx, zzz)', true],
    ['proc.name contains allof (Nginx, Worker)', true],
    ['proc.name contains allof (Nginx, zzz)', false],
    ['proc.name startswith oneof ()', false],
    ['tolower(proc.name) = nginx-worker', true],
    ['toupper(proc.name) startswith NGINX', true],
    ['len(proc.name) = 12', true],
    ['basename(fd.name) = file.txt', true],
    ['len(ka.req.pod.containers.image) = 2', true],
    ['tolower(ka.req.pod.containers.image) intersects (nginx:1)', true],
    ['concat(proc.name, "/", proc.pid) = Nginx-Worker/4242', true],
    ['join(":", (proc.name, "x")) = Nginx-Worker:x', true],
  ];
  for (const [cond, expected] of cases) {
    it(`${cond} → ${expected}`, () => expect(matches(cond, ev)).toBe(expected));
  }

  it('decodes base64 and treats invalid input as missing', () => {
    expect(matches('b64(proc.name) = hello', { 'proc.name': 'aGVsbG8=' })).toBe(true);
    expect(matches('b64(proc.name) exists', { 'proc.name': 'not base64!' })).toBe(false);
    expect(matches('not b64(proc.name) = x', { 'proc.name': 'not base64!' })).toBe(true);
  });

  it('compares fields with fields (val() and transformers on the right)', () => {
    expect(matches('proc.name = val(proc.pname)', { 'proc.name': 'a', 'proc.pname': 'a' })).toBe(true);
    expect(matches('proc.name != val(proc.pname)', { 'proc.name': 'a', 'proc.pname': 'b' })).toBe(true);
    expect(matches('proc.name = toupper(proc.pname)', { 'proc.name': 'AB', 'proc.pname': 'ab' })).toBe(true);
    expect(matches('fd.name startswith val(proc.name)', { 'fd.name': '/tmp/x', 'proc.name': '/tmp' })).toBe(true);
    expect(matches('proc.pid > val(evt.cpu)', { 'proc.pid': 10, 'evt.cpu': 3 })).toBe(true);
  });

  it('evaluates getopt on a command line', () => {
    const ev = { 'proc.name': 'nc -l -p 4444 -vn' };
    expect(matches('getopt(proc.name, "lp:vn")[p] = 4444', ev)).toBe(true);
    expect(matches('getopt(proc.name, "lp:vn")[l] = ""', ev)).toBe(true);
    expect(matches('getopt(proc.name, "lp:vn")[x] exists', ev)).toBe(false);
  });
});

describe('compileCondition: compile-time errors in Falco wording', () => {
  const cases: Array<[string, string | RegExp]> = [
    ['proc.nobody = x', 'filter_check called with nonexistent field proc.nobody'],
    ['proc.pid = 0x10', '0x10 is not a valid number'],
    ['proc.pid = 1.5', '1.5 is not a valid number'],
    ['evt.failed = yes', 'filter error: unrecognized boolean value yes'],
    ['proc.pid contains 1', "filter error: 'contains' operator not supported for numeric filters"],
    ['proc.name bcontains 41', "filter error: 'bcontains' operator not supported for string filters"],
    ['ka.req.pod.containers.image = x', "filter error: '=' operator not supported for list filters"],
    ['fd.sip startswith 10', "filter error: 'startswith' operator not supported for ip address filters"],
    ['proc.name regex "a(b"', /^invalid regex pattern: /],
    ['proc.name regex \\d+', 'invalid regex pattern: invalid escape sequence: \\d'],
    ['proc.name regex "(?i)nginx"', /^invalid regex pattern: /],
    ['proc.name regex "a.*?b"', 'invalid regex pattern: bad repetition operator: *?'],
    ['evt.buffer bcontains xyz', 'bcontains and bstartswith operator support hex strings only'],
    ['fd.sip = 10.0.0.0/8', 'unrecognized IPv4 address 10.0.0.0/8'],
    ['fd.snet = 10.0.0.1', 'unrecognized IP network 10.0.0.1'],
    ['evt.type = list_a', 'unknown event type list_a'],
    ['evt.type in (open, nope)', 'unknown event type nope'],
    ['proc.name = val(proc.pid)', "field 'proc.name' has type 'CHARBUF' while the right-hand side field 'proc.pid' has incompatible type 'INT64'"],
    ['proc.name regex val(proc.pname)', "'regex' operator does not support a field on the right-hand side"],
    ['len(proc.pid) > 1', "can't add field transformer: type 'INT64' is not supported by 'len' transformer applied on field 'proc.pid'"],
    ['json.value exists', "filter 'json.value': json.value requires an argument but none provided"],
    ['proc.name[1] exists', "filter 'proc.name[1]': proc.name does not allow nor require an argument but one is provided: 1"],
    ['proc.aname[x] exists', 'filter proc.aname[x] proc.aname has an invalid index argument not composed only by digits: x'],
    ['some_macro', "Undefined macro 'some_macro' used in filter."],
  ];
  for (const [cond, message] of cases) {
    it(cond, () => {
      const e = compileError(cond);
      if (typeof message === 'string') expect(e.message).toBe(message);
      else expect(e.message).toMatch(message);
      expect(e.position).toBeDefined();
      expect(e.node).toBeDefined();
    });
  }

  it('points at the failing check', () => {
    const e = compileError('proc.name = a and\n  proc.nobody = x');
    expect(e.position).toEqual({ offset: 20, line: 2, column: 3 });
  });
});

describe('compileCondition: event types', () => {
  const types = (cond: string): string[] | undefined => {
    const t = compileCondition(parseCondition(cond), source).eventTypes;
    return t === undefined ? undefined : [...t].sort();
  };
  it('resolves evt.type checks through and/or/not', () => {
    expect(types('evt.type = open')).toEqual(['open']);
    expect(types('evt.type in (open, openat) and proc.name = cat')).toEqual(['open', 'openat']);
    expect(types('evt.type = open or evt.type = execve and proc.pid > 1')).toEqual(['execve', 'open']);
    expect(types('proc.name = cat')).toBeUndefined();
    expect(types('not proc.name = cat')).toBeUndefined();
    expect(types('evt.type != open')).toEqual(['close', 'connect', 'execve', 'openat']);
    expect(types('not evt.type in (open, openat, execve)')).toEqual(['close', 'connect']);
    expect(types('not (evt.type = open or proc.name = x)')).toEqual(['close', 'connect', 'execve', 'openat']);
    expect(types('evt.type = open and evt.type = close')).toEqual([]);
    expect(types('evt.num = 0')).toEqual([]);
    expect(types('evt.type = open and not evt.num = 0')).toEqual(['open']);
  });

  it('counts event codes as Falco does (enter and exit apart)', () => {
    expect(eventCodeCount(new Set(['open']))).toBe(2);
    expect(eventCodeCount(undefined)).toBeGreaterThan(100);
    expect(SYSCALL_EVENT_NAMES.size).toBeGreaterThan(400);
  });
});

describe('compileCondition: warnings and unreadable fields', () => {
  const warnings = (cond: string): string[] =>
    compileCondition(parseCondition(cond), source).warnings.map((w) => w.message);
  it('warns about field names and transformers used as string values, and plain regexes', () => {
    expect(warnings('proc.name = proc.pname')).toEqual(["'proc.pname' may be a valid field misused as a const string value"]);
    expect(warnings('proc.name = "toupper( proc.pname)"')).toEqual([
      "'toupper( proc.pname)' may be a valid field transformer misused as a const string value",
    ]);
    expect(warnings('proc.name regex "^nginx$"')[0]).toMatch(/^regex check with '\^nginx\$' may be optimized/);
    expect(warnings('proc.name in (k8s.gcr.io, cat)')).toEqual([]);
  });

  it('never matches while a field has no extractor, and says which', () => {
    const partial = propertySource('p', [field('a.b', 'string'), field('a.c', 'string')], { withoutExtractor: ['a.c'] });
    const c = compileCondition(parseCondition('a.b = x or not a.c = y'), partial);
    expect(c.unreadableFields).toEqual(['a.c']);
    expect(c.evaluate({ 'a.b': 'x' })).toBe(false);
  });

  it('recognises field expressions for exceptions', () => {
    expect(isFieldExpression(source, 'tolower( proc.name)')).toBe(true);
    expect(isFieldExpression(source, 'proc.aname[2]')).toBe(true);
    expect(isFieldExpression(source, 'not.exist')).toBe(false);
  });
});
