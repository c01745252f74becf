// The k8s_audit source through the real condition compiler: field types, arguments and missing values
// as rules see them.

import { describe, expect, it } from 'vitest';
import { k8sAuditSource } from '../../capture/k8saudit/source.js';
import type { K8sAuditEvent } from '../../capture/k8saudit/event.js';
import { CompiledSource, compileCondition, parseCondition } from '../../src/engine/index.js';
import { auditJson, auditOf, pod } from './k8saudit-events.js';

const source = new CompiledSource(k8sAuditSource({ hostname: () => 'test-host' }));
const matches = (condition: string, event: K8sAuditEvent) => compileCondition(parseCondition(condition), source).evaluate(event);

describe('k8s_audit conditions', () => {
  const privileged = pod({ containers: [{ image: 'nginx:1', securityContext: { privileged: true } }], hostNetwork: true });
  it('list fields with in / intersects', () => {
    expect(matches('ka.req.pod.containers.privileged intersects (true)', privileged)).toBe(true);
    expect(matches('ka.req.pod.containers.image.repository in (nginx, busybox)', privileged)).toBe(true);
    expect(matches('ka.req.pod.containers.image.repository in (busybox)', privileged)).toBe(false);
    expect(matches('ka.req.pod.containers.image[0] in (nginx:1)', privileged)).toBe(true);
  });
  it('strings compare as text, numbers included', () => {
    expect(matches('ka.response.code startswith 2 and ka.response.code = 201', privileged)).toBe(true);
    expect(matches('ka.req.pod.host_network = true', privileged)).toBe(true);
  });
  it('missing fields make every comparison false; only not makes them true', () => {
    expect(matches('ka.target.subresource != exec', privileged)).toBe(false);
    expect(matches('not ka.target.subresource exists', privileged)).toBe(true);
    expect(matches('ka.req.pod.host_pid = true', privileged)).toBe(false);
    expect(matches('not ka.req.pod.host_pid = true', privileged)).toBe(true);
  });
  it('json pointers and the json plugin fields on audit events', () => {
    expect(matches('jevt.value[/stage] in (ResponseComplete)', privileged)).toBe(true);
    expect(matches('jevt.value[/requestObject/spec/containers/0/securityContext/privileged] = true', privileged)).toBe(true);
    expect(matches('jevt.rawtime exists and json.rawtime != 0', privileged)).toBe(true);
    expect(matches('jevt.value[/annotations/authorization.k8s.io~1decision] = allow', privileged)).toBe(true);
  });
  it('generic evt.* fields', () => {
    expect(matches('evt.source = k8s_audit and evt.pluginname = k8saudit and evt.hostname = test-host', privileged)).toBe(true);
    expect(matches('evt.num > 0', privileged)).toBe(true);
  });
  it('uri parameters', () => {
    const exec = auditOf(auditJson({ requestURI: '/api/v1/namespaces/d/pods/p/exec?command=bash&container=c', objectRef: { resource: 'pods', subresource: 'exec', name: 'p' } }));
    expect(matches('ka.uri.param[command] = bash and ka.target.subresource in (exec, attach)', exec)).toBe(true);
  });
});
