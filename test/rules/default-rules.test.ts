// saker's own rules (rules/): they load without errors or warnings, and each k8s_audit rule fires on an
// event made for it and not on its benign twin (the syscall rules: default-syscall-rules.test.ts).

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceDefinitions } from '../../capture/sources.js';
import { Engine } from '../../src/engine/engine.js';
import { formatLoadMessage } from '../../src/engine/loader/results.js';
import { auditJson, auditOf } from '../capture/k8saudit-events.js';

const RULES = fileURLToPath(new URL('../../rules/', import.meta.url));

function engine(): Engine {
  const e = new Engine({ sources: sourceDefinitions({ hostname: 'test-host' }), match: 'all' });
  const results = e.loadFiles([RULES]);
  const problems = results.flatMap((r) => [...r.errors, ...r.warnings]).map(formatLoadMessage);
  expect(problems).toEqual([]);
  return e;
}

const rules = engine();
const fired = (overrides: Record<string, unknown>) => rules.evaluate('k8s_audit', auditOf(auditJson(overrides))).map((a) => a.rule);

const podCreate = (spec: Record<string, unknown>, user = 'system:serviceaccount:kube-system:replicaset-controller') => ({
  user: { username: user, groups: ['system:serviceaccounts'] },
  verb: 'create',
  objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' },
  requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { generateName: 'web-' }, spec },
  responseObject: { kind: 'Pod', metadata: { name: 'web-x1' } },
});

describe('saker default rules', () => {
  it('load cleanly, with descriptions, MITRE tags and deliberate priorities', () => {
    const summaries = rules.summaries().filter((r) => r.tags.includes('saker'));
    expect(summaries.length).toBeGreaterThanOrEqual(15);
    for (const r of summaries) {
      expect(r.description.length, r.name).toBeGreaterThan(40);
      expect(r.tags.some((t) => t.startsWith('mitre_')), r.name).toBe(true);
      expect(r.tags.some((t) => /^T\d{4}/.test(t)), r.name).toBe(true);
    }
    expect(new Set(summaries.map((r) => r.priority)).size).toBeGreaterThanOrEqual(4);
  });

  it('K8s exec or attach into pod', () => {
    const exec = {
      requestURI: '/api/v1/namespaces/shop/pods/cart-1/exec?command=sh&container=app&stdin=true&tty=true',
      objectRef: { resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'cart-1' },
      responseStatus: { code: 101 },
    };
    expect(fired(exec)).toEqual(['K8s exec or attach into pod']);
    const alert = rules.evaluate('k8s_audit', auditOf(auditJson(exec)))[0]!;
    expect(alert.output).toContain('kubectl exec into pod (user=alice pod=cart-1 ns=shop container=app command=sh');
    expect(alert.priority).toBe('Notice');
    expect(fired({ ...exec, requestURI: '/api/v1/namespaces/shop/pods/cart-1/log', objectRef: { ...exec.objectRef, subresource: 'log' } })).toEqual([]);
  });

  it('K8s secret read by unexpected user', () => {
    const read = { verb: 'get', objectRef: { resource: 'secrets', namespace: 'shop', name: 'db-password' }, responseStatus: { code: 200 } };
    expect(fired(read)).toEqual(['K8s secret read by unexpected user']);
    expect(fired({ ...read, user: { username: 'system:node:worker-1' } })).toEqual([]);
    expect(fired({ ...read, responseStatus: { code: 403 } })).toEqual([]);
  });

  it('K8s secret changed by unexpected user', () => {
    const patch = { verb: 'patch', objectRef: { resource: 'secrets', namespace: 'shop', name: 'tls' }, responseStatus: { code: 200 } };
    expect(fired(patch)).toEqual(['K8s secret changed by unexpected user']);
    expect(fired({ ...patch, user: { username: 'system:kube-controller-manager' } })).toEqual([]);
  });

  it('K8s configmap read and changed by unexpected users', () => {
    const read = { verb: 'list', objectRef: { resource: 'configmaps', namespace: 'kube-system' }, responseStatus: { code: 200 } };
    expect(fired(read)).toEqual(['K8s configmap read by unexpected user']);
    expect(fired({ ...read, user: { username: 'system:serviceaccount:kube-system:coredns' } })).toEqual([]);
    const update = { verb: 'update', objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'aws-auth' }, responseStatus: { code: 200 } };
    expect(fired(update)).toEqual(['K8s configmap changed by unexpected user']);
    expect(fired({ ...update, user: { username: 'system:kube-controller-manager' } })).toEqual([]);
  });

  it('K8s binding to cluster-admin', () => {
    const binding = (role: string) => ({
      objectRef: { resource: 'clusterrolebindings', name: 'backdoor', apiGroup: 'rbac.authorization.k8s.io' },
      requestObject: { roleRef: { kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', name: 'mallory' }, { kind: 'ServiceAccount', name: 'x', namespace: 'ns' }] },
    });
    expect(fired(binding('cluster-admin'))).toEqual(['K8s binding to cluster-admin']);
    const alert = rules.evaluate('k8s_audit', auditOf(auditJson(binding('cluster-admin'))))[0]!;
    expect(alert.priority).toBe('Critical');
    expect(alert.output).toContain('users=(mallory)');
    expect(alert.output).toContain('service_accounts=(ns:x)');
    expect(fired(binding('view'))).toEqual([]);
  });

  it('K8s privileged pod created', () => {
    const spec = (privileged: boolean, image = 'nginx:1.25') => ({ containers: [{ name: 'c', image, securityContext: { privileged } }] });
    expect(fired(podCreate(spec(true)))).toEqual(['K8s privileged pod created']);
    expect(fired(podCreate(spec(false)))).toEqual([]);
    expect(fired(podCreate(spec(true, 'registry.k8s.io/kube-proxy:v1.30.0')))).toEqual([]);
    const init = { containers: [{ name: 'c', image: 'nginx' }], initContainers: [{ name: 'i', image: 'busybox', securityContext: { privileged: true } }] };
    expect(fired(podCreate(init))).toEqual(['K8s privileged pod created']);
  });

  it('K8s pod sharing host namespaces created', () => {
    expect(fired(podCreate({ hostPID: true, containers: [{ name: 'c', image: 'nginx' }] }))).toEqual(['K8s pod sharing host namespaces created']);
    expect(fired(podCreate({ hostNetwork: true, containers: [{ name: 'c', image: 'nginx' }] }))).toEqual(['K8s pod sharing host namespaces created']);
    expect(fired(podCreate({ hostPID: false, containers: [{ name: 'c', image: 'nginx' }] }))).toEqual([]);
  });

  it('K8s pod with sensitive host mount created', () => {
    const mount = (path: string) => ({ containers: [{ name: 'c', image: 'nginx' }], volumes: [{ name: 'v', hostPath: { path } }] });
    expect(fired(podCreate(mount('/var/run/docker.sock')))).toEqual(['K8s pod with sensitive host mount created']);
    expect(fired(podCreate(mount('/data/cache')))).toEqual([]);
  });

  it('only completed requests count', () => {
    const read = { verb: 'get', objectRef: { resource: 'secrets', namespace: 'shop', name: 'db' }, responseStatus: { code: 200 } };
    expect(fired({ ...read, stage: 'RequestReceived' })).toEqual([]);
  });
});
