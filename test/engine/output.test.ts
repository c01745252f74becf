import { describe, expect, it } from 'vitest';
import { compileOutput, CompiledSource, OutputFormatError } from '../../src/engine/index.js';
import { field, propertySource, type TestEvent } from './helpers.js';

const source = propertySource('test', [
  field('proc.name', 'string'),
  field('thread.tid', 'int64'),
  field('proc.aname', 'string', { arg: { kind: 'index', required: false } }),
  field('evt.arg', 'string', { arg: { kind: 'index|key', required: true } }),
  field('evt.failed', 'bool'),
  field('fd.net', 'ipnet', { flags: ['FILTER_ONLY'] }),
  field('evt.buffer', 'bytebuf'),
  field('ka.req.pod.containers.image', 'string', { isList: true }),
  field('evt.rawtime', 'abstime'),
]);

const render = (fmt: string, ev: TestEvent): string => compileOutput(fmt, source).render(ev);

function formatError(fmt: string): string {
  try {
    compileOutput(fmt, source);
  } catch (e) {
    if (e instanceof OutputFormatError) return e.message;
    throw e;
  }
  throw new Error(`compiled: ${fmt}`);
}

describe('compileOutput', () => {
  const ev: TestEvent = {
    'proc.name': 'init',
    'thread.tid': 1,
    'proc.aname[2]': 'bash',
    'evt.failed': true,
    'evt.buffer': Uint8Array.from([0x41, 0x00, 0x42]),
    'ka.req.pod.containers.image': ['nginx', 'redis'],
    'evt.rawtime': 1700000000123456789n,
  };

  it('substitutes fields, taking the longest prefix that names a field', () => {
    expect(render('start%proc.nameand%thread.tidend', ev)).toBe('startinitand1end');
    expect(render('p=%proc.name (%proc.aname[2]) failed=%evt.failed', ev)).toBe('p=init (bash) failed=true');
    expect(render('%proc.name.', ev)).toBe('init.');
  });

  it('prints <NA> for missing values, lists as (a,b), buffers printable', () => {
    expect(render('*%proc.aname[3] %ka.req.pod.containers.image %evt.buffer', ev)).toBe('<NA> (nginx,redis) A.B');
  });

  it('pads or truncates to a width', () => {
    expect(render('[%6proc.name][%2proc.name]', ev)).toBe('[init  ][in]');
  });

  it('supports transformers in tokens', () => {
    expect(render('%toupper(proc.name) %len( proc.name )', ev)).toBe('INIT 4');
  });

  it('gives output_fields as Falco JSON shows them', () => {
    const out = compileOutput('%proc.name %thread.tid %evt.failed %proc.aname[3] %ka.req.pod.containers.image %evt.rawtime', source);
    expect(out.tokens).toEqual(['proc.name', 'thread.tid', 'evt.failed', 'proc.aname[3]', 'ka.req.pod.containers.image', 'evt.rawtime']);
    expect(out.fields(ev)).toEqual({
      'proc.name': 'init',
      'thread.tid': 1,
      'evt.failed': true,
      'proc.aname[3]': null,
      'ka.req.pod.containers.image': ['nginx', 'redis'],
      'evt.rawtime': '1700000000123456789',
    });
  });

  it("rejects bad formats with libsinsp's messages", () => {
    expect(formatError('An open was seen %not_a_real_field')).toBe('invalid formatting token not_a_real_field');
    expect(formatError('end %')).toBe('invalid formatting syntax: formatting cannot end with a %');
    expect(formatError('end %12')).toBe('invalid formatting syntax: formatting cannot end with a number');
    expect(formatError('%(proc.name)')).toBe('invalid formatting token (proc.name)');
    expect(formatError('')).toBe('empty formatting token');
    expect(formatError('%fd.net')).toBe('invalid formatting token fd.net');
    expect(formatError('%evt.arg')).toBe("filter 'evt.arg': evt.arg requires an argument but none provided");
  });

  it('drops %container.info with a deprecation warning', () => {
    const out = compileOutput('a %container.info b', source);
    expect(out.render(ev)).toBe('a  b');
    expect(out.warnings[0]).toMatchObject({ code: 'LOAD_DEPRECATED_ITEM' });
  });

  it('lets a source render its values its own way, in the line and in output_fields', () => {
    const hex = new CompiledSource<TestEvent>({
      ...source.definition,
      renderValue: (f, v) => (f.name === 'thread.tid' ? `0x${Number(v).toString(16)}` : undefined),
      outputFieldValue: (f, v) => (f.name === 'thread.tid' ? `tid ${String(v)}` : undefined),
    });
    const out = compileOutput('%thread.tid %proc.name', hex);
    const ev = { 'thread.tid': 255, 'proc.name': 'x' };
    expect(out.render(ev)).toBe('0xff x');
    expect(out.fields(ev)).toEqual({ 'thread.tid': 'tid 255', 'proc.name': 'x' });
  });
});
