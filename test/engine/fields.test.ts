import { describe, expect, it } from 'vitest';
import {
  K8S_AUDIT_SOURCE_FIELDS,
  SYSCALL_EVENT_NAMES,
  SYSCALL_SOURCE_FIELDS,
  withExtractors,
} from '../../src/engine/fields/index.js';

describe('field tables', () => {
  it('define the syscall fields with normalised types and arguments', () => {
    const byName = new Map(SYSCALL_SOURCE_FIELDS.map((f) => [f.name, f]));
    expect(byName.get('proc.name')).toMatchObject({ type: 'string', falcoType: 'CHARBUF', isList: false, arg: null });
    expect(byName.get('proc.aname')).toMatchObject({ arg: { kind: 'index', required: false } });
    expect(byName.get('fd.types')).toMatchObject({ type: 'string', isList: true });
    expect(byName.get('fd.sip')?.type).toBe('ipaddr');
    expect(byName.get('fd.net')?.flags).toContain('NO_RHS');
    expect(byName.get('evt.dir')?.flags).toContain('DEPRECATED');
    expect(byName.get('container.image.repository')?.type).toBe('string');
    expect(new Set(SYSCALL_SOURCE_FIELDS.map((f) => f.name)).size).toBe(SYSCALL_SOURCE_FIELDS.length);
  });

  it('give plugin sources the generic evt fields and the json fields', () => {
    const names = new Set(K8S_AUDIT_SOURCE_FIELDS.map((f) => f.name));
    for (const n of ['evt.time', 'ka.verb', 'jevt.value', 'json.value']) expect(names.has(n)).toBe(true);
    expect(names.has('proc.name')).toBe(false);
    const image = K8S_AUDIT_SOURCE_FIELDS.find((f) => f.name === 'ka.req.pod.containers.image');
    expect(image).toMatchObject({ isList: true, arg: { kind: 'index', required: false } });
  });

  it('know the syscall event names', () => {
    for (const n of ['open', 'execve', 'procexit', 'container']) expect(SYSCALL_EVENT_NAMES.has(n)).toBe(true);
    expect(SYSCALL_EVENT_NAMES.has('list_a')).toBe(false);
  });

  it('attach extractors by name and reject unknown names', () => {
    const fields = withExtractors<{ verb: string }>(K8S_AUDIT_SOURCE_FIELDS, { 'ka.verb': () => (e) => e.verb });
    const verb = fields.find((f) => f.name === 'ka.verb');
    expect(verb?.extractor?.(undefined)({ verb: 'get' })).toBe('get');
    expect(fields.find((f) => f.name === 'ka.uri')?.extractor).toBeUndefined();
    expect(() => withExtractors(K8S_AUDIT_SOURCE_FIELDS, { 'ka.nope': () => () => 'x' })).toThrow(/ka\.nope/);
  });
});
