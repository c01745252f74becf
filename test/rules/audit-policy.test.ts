// examples/k8s-audit-policy.yaml, read as kube-apiserver reads an audit policy (the first rule matching a
// request decides its level), against what saker's default rules and Falco's upstream k8s_audit_rules.yaml
// read from each kind of request.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface PolicyRule {
  level: string;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  namespaces?: string[];
  resources?: Array<{ group?: string; resources?: string[]; resourceNames?: string[] }>;
  nonResourceURLs?: string[];
  omitStages?: string[];
}
interface Policy {
  apiVersion: string;
  kind: string;
  omitStages?: string[];
  rules: PolicyRule[];
}

const policy = parse(readFileSync(new URL('../../examples/k8s-audit-policy.yaml', import.meta.url), 'utf8')) as Policy;
const LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'];

interface Request {
  user?: string;
  groups?: string[];
  verb: string;
  /** `pods`, `pods/exec`…; absent for a non-resource URL. */
  resource?: string;
  group?: string;
  namespace?: string;
  path?: string;
}

const matchesPattern = (patterns: string[], value: string) =>
  patterns.some((p) => p === '*' || p === value || (p.endsWith('*') && value.startsWith(p.slice(0, -1))));

function matches(rule: PolicyRule, r: Request): boolean {
  if (rule.users && !rule.users.includes(r.user ?? '')) return false;
  if (rule.userGroups && !(r.groups ?? []).some((g) => rule.userGroups!.includes(g))) return false;
  if (rule.verbs && !rule.verbs.includes(r.verb)) return false;
  if (rule.namespaces && !rule.namespaces.includes(r.namespace ?? '')) return false;
  if (rule.nonResourceURLs) return r.resource === undefined && matchesPattern(rule.nonResourceURLs, r.path ?? '');
  if (rule.resources) {
    if (r.resource === undefined) return false;
    const [resource, sub] = r.resource.split('/');
    return rule.resources.some(
      (g) =>
        (g.group ?? '') === (r.group ?? '') &&
        (g.resources === undefined || g.resources.some((x) => x === '*' || x === r.resource || (sub !== undefined && x === `${resource}/*`))),
    );
  }
  return true;
}

function levelOf(r: Request): string {
  return policy.rules.find((rule) => matches(rule, r))?.level ?? 'None';
}

const atLeast = (level: string, wanted: string) => LEVELS.indexOf(level) >= LEVELS.indexOf(wanted);
const alice = { user: 'alice', groups: ['system:authenticated'] };

describe('examples/k8s-audit-policy.yaml', () => {
  it('is an audit.k8s.io/v1 Policy that keeps ResponseStarted (kubectl exec and attach are judged there)', () => {
    expect([policy.apiVersion, policy.kind]).toEqual(['audit.k8s.io/v1', 'Policy']);
    expect(policy.omitStages).toEqual(['RequestReceived']);
    for (const rule of policy.rules) expect(rule.omitStages ?? []).not.toContain('ResponseStarted');
    expect(policy.rules.every((rule) => LEVELS.includes(rule.level))).toBe(true);
  });

  // [what the rules need, the request, the least level]
  const needs: Array<[string, Request, string]> = [
    ['pod specs and the created name', { ...alice, verb: 'create', resource: 'pods', namespace: 'shop' }, 'RequestResponse'],
    ['pods created by controllers', { user: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts'], verb: 'create', resource: 'pods', namespace: 'shop' }, 'RequestResponse'],
    ['kubectl debug', { ...alice, verb: 'patch', resource: 'pods/ephemeralcontainers', namespace: 'shop' }, 'Request'],
    ['kubectl exec', { ...alice, verb: 'create', resource: 'pods/exec', namespace: 'shop' }, 'Metadata'],
    ['kubectl attach', { ...alice, verb: 'create', resource: 'pods/attach', namespace: 'shop' }, 'Metadata'],
    ['port-forward', { ...alice, verb: 'create', resource: 'pods/portforward', namespace: 'shop' }, 'Metadata'],
    ['secret reads', { user: 'system:serviceaccount:kube-system:coredns', verb: 'list', resource: 'secrets', namespace: 'shop' }, 'Metadata'],
    ['secret reads by kubelets', { user: 'system:node:w1', groups: ['system:nodes'], verb: 'watch', resource: 'secrets', namespace: 'shop' }, 'Metadata'],
    ['secret changes', { ...alice, verb: 'create', resource: 'secrets', namespace: 'shop' }, 'Metadata'],
    ['configmap reads', { ...alice, verb: 'list', resource: 'configmaps', namespace: 'kube-system' }, 'Metadata'],
    ['configmap bodies (credentials, leader-election locks)', { user: 'system:serviceaccount:kube-system:x', verb: 'update', resource: 'configmaps', namespace: 'kube-system' }, 'Request'],
    ['configmap deletes', { ...alice, verb: 'delete', resource: 'configmaps', namespace: 'kube-system' }, 'Metadata'],
    ['bindings', { ...alice, verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' }, 'Request'],
    ['binding changes', { ...alice, verb: 'patch', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: 'shop' }, 'Request'],
    ['role rules', { ...alice, verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' }, 'Request'],
    ['NodePort services', { ...alice, verb: 'create', resource: 'services', namespace: 'shop' }, 'Request'],
    ['ingresses without TLS', { ...alice, verb: 'create', group: 'networking.k8s.io', resource: 'ingresses', namespace: 'shop' }, 'Request'],
    ['namespaces, service accounts, deployments', { ...alice, verb: 'create', group: 'apps', resource: 'deployments', namespace: 'shop' }, 'Metadata'],
    ['nodes joining', { user: 'system:node:w9', groups: ['system:nodes'], verb: 'create', resource: 'nodes' }, 'Metadata'],
    ['anonymous requests', { user: 'system:anonymous', groups: ['system:unauthenticated'], verb: 'get', path: '/api' }, 'Metadata'],
    ['any user (Disallowed K8s User)', { ...alice, verb: 'get', resource: 'pods', namespace: 'shop' }, 'Metadata'],
  ];
  it.each(needs)('logs %s', (_what, request, least) => {
    expect(atLeast(levelOf(request), least), `${levelOf(request)} < ${least}`).toBe(true);
  });

  it('never logs the content of secrets or tokens', () => {
    for (const verb of ['get', 'list', 'create', 'update', 'patch']) {
      expect(levelOf({ ...alice, verb, resource: 'secrets', namespace: 'shop' })).toBe('Metadata');
    }
    expect(levelOf({ ...alice, verb: 'create', resource: 'serviceaccounts/token', namespace: 'shop' })).toBe('Metadata');
    expect(levelOf({ ...alice, verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews' })).toBe('Metadata');
  });

  it('leaves out the high-volume traffic no rule reads', () => {
    expect(levelOf({ user: 'system:anonymous', verb: 'get', path: '/healthz' })).toBe('None');
    expect(levelOf({ user: 'system:node:w1', groups: ['system:nodes'], verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease' })).toBe('None');
    expect(levelOf({ user: 'system:node:w1', groups: ['system:nodes'], verb: 'patch', resource: 'nodes/status' })).toBe('None');
    expect(levelOf({ ...alice, verb: 'create', resource: 'events', namespace: 'shop' })).toBe('None');
    expect(levelOf({ user: 'system:kube-proxy', verb: 'watch', group: 'discovery.k8s.io', resource: 'endpointslices' })).toBe('None');
  });
});
