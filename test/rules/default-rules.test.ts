// saker's own rules (rules/): they load without errors or warnings, and each k8s_audit rule fires on an
// event made for it and not on its benign twin (the syscall rules: default-syscall-rules.test.ts).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
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

const podCreate = (spec: Record<string, unknown>, user = 'system:serviceaccount:kube-system:replicaset-controller', namespace = 'default') => ({
  user: { username: user, groups: ['system:serviceaccounts'] },
  verb: 'create',
  objectRef: { resource: 'pods', namespace, apiVersion: 'v1' },
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

  it('K8s exec or attach into pod: when the session opens (ResponseStarted), once per request', () => {
    const exec = {
      stage: 'ResponseStarted',
      requestURI: '/api/v1/namespaces/shop/pods/cart-1/exec?command=sh&container=app&stdin=true&tty=true',
      objectRef: { resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'cart-1' },
      responseStatus: { code: 101 },
    };
    expect(fired(exec)).toEqual(['K8s exec or attach into pod']);
    const alert = rules.evaluate('k8s_audit', auditOf(auditJson(exec)))[0]!;
    expect(alert.output).toContain('kubectl exec into pod (user=alice pod=cart-1 ns=shop container=app command=sh');
    expect(alert.priority).toBe('Notice');
    // The same request's ResponseComplete (when the session ends) does not alert again.
    expect(fired({ ...exec, stage: 'ResponseComplete' })).toEqual([]);
    expect(fired({ ...exec, stage: 'RequestReceived' })).toEqual([]);
    const attach = { ...exec, requestURI: '/api/v1/namespaces/shop/pods/cart-1/attach?container=app', objectRef: { ...exec.objectRef, subresource: 'attach' } };
    expect(fired(attach)).toEqual(['K8s exec or attach into pod']);
    // A refused exec (403) also gets its ResponseStarted event: an attempt worth knowing.
    expect(fired({ ...exec, responseStatus: { code: 403 } })).toEqual(['K8s exec or attach into pod']);
    expect(fired({ ...exec, requestURI: '/api/v1/namespaces/shop/pods/cart-1/log', objectRef: { ...exec.objectRef, subresource: 'log' } })).toEqual([]);
  });

  describe('K8s secret read by unexpected user', () => {
    const read = { verb: 'get', objectRef: { resource: 'secrets', namespace: 'shop', name: 'db-password' }, responseStatus: { code: 200 } };
    const as = (username: string, extra: Record<string, unknown> = {}) => ({ ...read, user: { username }, ...extra });
    const listAll = { verb: 'list', requestURI: '/api/v1/namespaces/shop/secrets', objectRef: { resource: 'secrets', namespace: 'shop' } };

    it('fires for people and for service accounts that have no business with secrets', () => {
      expect(fired(read)).toEqual(['K8s secret read by unexpected user']);
      // A stolen coredns (or kube-proxy, or CNI) token is a kube-system service account too.
      expect(fired(as('system:serviceaccount:kube-system:coredns'))).toEqual(['K8s secret read by unexpected user']);
      expect(fired(as('system:serviceaccount:kube-system:kube-proxy', listAll))).toEqual(['K8s secret read by unexpected user']);
      expect(fired({ ...read, responseStatus: { code: 403 } })).toEqual([]);
    });

    it('lets the controllers that need secrets and the kubelets (one named secret) read them', () => {
      expect(fired(as('system:serviceaccount:kube-system:namespace-controller', listAll))).toEqual([]);
      expect(fired(as('system:serviceaccount:kube-system:generic-garbage-collector', listAll))).toEqual([]);
      expect(fired(as('system:kube-controller-manager'))).toEqual([]);
      expect(fired(as('system:node:worker-1'))).toEqual([]);
      // A kubelet's watch of one secret names it (fieldSelector=metadata.name); listing them all does not.
      const watchOne = { verb: 'watch', requestURI: '/api/v1/namespaces/shop/secrets?fieldSelector=metadata.name%3Ddb-password&watch=true', objectRef: { resource: 'secrets', namespace: 'shop', name: 'db-password' } };
      expect(fired(as('system:node:worker-1', watchOne))).toEqual([]);
      expect(fired(as('system:node:worker-1', listAll))).toEqual(['K8s secret read by unexpected user']);
    });

    it("does not warn for Helm's release secrets, and only for them", () => {
      expect(fired({ ...read, objectRef: { resource: 'secrets', namespace: 'shop', name: 'sh.helm.release.v1.cart.v7' } })).toEqual([]);
      const helmList = (selector: string) => ({ ...listAll, requestURI: `/api/v1/namespaces/shop/secrets?labelSelector=${selector}` });
      expect(fired(helmList('owner%3Dhelm'))).toEqual([]);
      expect(fired(helmList('name%3Dcart%2Cowner%3Dhelm%2Cstatus%3Ddeployed'))).toEqual([]);
      // Selectors that return more than Helm's secrets.
      expect(fired(helmList('owner%21%3Dhelm'))).toEqual(['K8s secret read by unexpected user']);
      expect(fired(helmList('app%3Dx&labelSelector=owner%3Dhelm'))).toEqual(['K8s secret read by unexpected user']);
      expect(fired(listAll)).toEqual(['K8s secret read by unexpected user']);
    });
  });

  describe('K8s secret changed by unexpected user', () => {
    const patch = { verb: 'patch', objectRef: { resource: 'secrets', namespace: 'shop', name: 'tls' }, responseStatus: { code: 200 } };
    it('fires outside the controllers', () => {
      expect(fired(patch)).toEqual(['K8s secret changed by unexpected user']);
      expect(fired({ ...patch, user: { username: 'system:kube-controller-manager' } })).toEqual([]);
      expect(fired({ ...patch, user: { username: 'system:serviceaccount:kube-system:coredns' } })).toEqual(['K8s secret changed by unexpected user']);
      expect(fired({ ...patch, user: { username: 'system:node:worker-1' } })).toEqual(['K8s secret changed by unexpected user']);
    });
    it("leaves Helm's release secrets out, unless the body shows another type", () => {
      const create = (type: string) => ({
        verb: 'create',
        objectRef: { resource: 'secrets', namespace: 'shop', name: 'sh.helm.release.v1.cart.v8' },
        requestObject: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'sh.helm.release.v1.cart.v8', labels: { owner: 'helm' } }, type },
        responseStatus: { code: 201 },
      });
      expect(fired(create('helm.sh/release.v1'))).toEqual([]);
      expect(fired({ ...create('x'), requestObject: undefined })).toEqual([]);
      expect(fired({ ...create('x'), verb: 'delete', requestObject: undefined, responseStatus: { code: 200 } })).toEqual([]);
      expect(fired(create('kubernetes.io/service-account-token'))).toEqual(['K8s secret changed by unexpected user']);
    });
  });

  describe('K8s configmap read by unexpected user', () => {
    const read = (username: string, namespace?: string, verb = 'get') => ({
      user: { username },
      verb,
      objectRef: { resource: 'configmaps', ...(namespace ? { namespace } : {}), ...(verb === 'get' ? { name: 'settings' } : {}) },
      responseStatus: { code: 200 },
    });
    it("fires for a service account reading outside its namespace, and for people reading the cluster's own", () => {
      expect(fired(read('system:serviceaccount:shop:app', 'kube-system'))).toEqual(['K8s configmap read by unexpected user']);
      expect(fired(read('system:serviceaccount:shop:app', 'payments', 'list'))).toEqual(['K8s configmap read by unexpected user']);
      expect(fired(read('system:serviceaccount:shop:app', undefined, 'list'))).toEqual(['K8s configmap read by unexpected user']);
      expect(fired(read('alice', 'kube-system', 'list'))).toEqual(['K8s configmap read by unexpected user']);
      expect(fired(read('alice', undefined, 'watch'))).toEqual(['K8s configmap read by unexpected user']);
      expect(fired(read('system:anonymous', 'kube-system'))).toEqual(['K8s configmap read by unexpected user']);
      expect(rules.evaluate('k8s_audit', auditOf(auditJson(read('alice', 'kube-system'))))[0]!.priority).toBe('Notice');
    });
    it('does not flood: workloads reading and leader-electing in their own namespace, controllers, kubelets', () => {
      expect(fired(read('system:serviceaccount:shop:app', 'shop', 'watch'))).toEqual([]);
      expect(fired(read('system:serviceaccount:kube-system:cluster-autoscaler', 'kube-system'))).toEqual([]);
      expect(fired(read('alice', 'shop', 'list'))).toEqual([]);
      expect(fired(read('system:serviceaccount:kube-system:root-ca-cert-publisher', undefined, 'watch'))).toEqual([]);
      expect(fired(read('system:node:worker-1', 'shop'))).toEqual([]);
      expect(fired({ ...read('system:anonymous', 'kube-public'), objectRef: { resource: 'configmaps', namespace: 'kube-public', name: 'cluster-info' } })).toEqual([]);
    });
  });

  describe('K8s configmap changed by unexpected user', () => {
    const change = (username: string, namespace: string, name: string, verb = 'update', requestObject?: Record<string, unknown>) => ({
      user: { username },
      verb,
      objectRef: { resource: 'configmaps', namespace, name },
      responseStatus: { code: 200 },
      ...(requestObject ? { requestObject } : {}),
    });
    it("fires for changes to the cluster's configmaps and for service accounts writing outside their namespace", () => {
      expect(fired(change('alice', 'kube-system', 'aws-auth'))).toEqual(['K8s configmap changed by unexpected user']);
      expect(fired(change('system:serviceaccount:kube-system:coredns', 'kube-system', 'coredns', 'patch'))).toEqual(['K8s configmap changed by unexpected user']);
      expect(fired(change('system:serviceaccount:shop:app', 'payments', 'settings'))).toEqual(['K8s configmap changed by unexpected user']);
    });
    it('leaves out leader-election locks, controllers and workloads writing their own namespace', () => {
      expect(fired(change('system:kube-controller-manager', 'kube-system', 'aws-auth'))).toEqual([]);
      expect(fired(change('system:serviceaccount:kube-system:root-ca-cert-publisher', 'shop', 'kube-root-ca.crt', 'create'))).toEqual([]);
      expect(fired(change('system:serviceaccount:kube-system:cluster-autoscaler', 'kube-system', 'cluster-autoscaler-leader-election'))).toEqual([]);
      const lock = { kind: 'ConfigMap', metadata: { name: 'cert-manager-controller', annotations: { 'control-plane.alpha.kubernetes.io/leader': '{"holderIdentity":"x"}' } } };
      expect(fired(change('system:serviceaccount:kube-system:cert-manager', 'kube-system', 'cert-manager-controller', 'update', lock))).toEqual([]);
      // The same lock name in another namespace than the service account's is no leader election.
      expect(fired(change('system:serviceaccount:shop:app', 'kube-system', 'app-leader'))).toEqual(['K8s configmap changed by unexpected user']);
      expect(fired(change('system:serviceaccount:shop:app', 'shop', 'app-status'))).toEqual([]);
      expect(fired(change('alice', 'shop', 'settings'))).toEqual([]);
    });
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

  describe('pods with host access: allowed by namespace and image together', () => {
    const HOST_RULES = ['K8s privileged pod created', 'K8s pod sharing host namespaces created', 'K8s pod with sensitive host mount created'];
    const calicoNode = (extra: Record<string, unknown> = {}) => ({
      hostNetwork: true,
      containers: [{ name: 'calico-node', image: 'docker.io/calico/node:v3.28.0', securityContext: { privileged: true } }],
      initContainers: [{ name: 'install-cni', image: 'docker.io/calico/cni:v3.28.0', securityContext: { privileged: true } }],
      volumes: [{ name: 'root', hostPath: { path: '/' } }],
      ...extra,
    });
    it('a familiar image in another namespace is judged like any pod', () => {
      expect(fired(podCreate(calicoNode(), undefined, 'attacker'))).toEqual(HOST_RULES);
      const { initContainers: _, ...withoutInit } = calicoNode();
      expect(fired(podCreate(withoutInit, undefined, 'attacker'))).toEqual(HOST_RULES);
      expect(fired(podCreate(withoutInit, undefined, 'calico-system'))).toEqual([]);
      expect(fired(podCreate(calicoNode(), undefined, 'default'))).toEqual(HOST_RULES);
    });
    it('the same pod where the CNI lives is allowed', () => {
      expect(fired(podCreate(calicoNode(), undefined, 'calico-system'))).toEqual([]);
      expect(fired(podCreate(calicoNode(), undefined, 'kube-system'))).toEqual([]);
    });
    it('every image must be allowed: an extra init container or an ephemeral container is not', () => {
      const extraInit = calicoNode({ initContainers: [{ name: 'x', image: 'busybox', securityContext: { privileged: true } }] });
      expect(fired(podCreate(extraInit, undefined, 'calico-system'))).toEqual(HOST_RULES);
      const proxy = { hostNetwork: true, containers: [{ name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.30.0', securityContext: { privileged: true } }] };
      expect(fired(podCreate(proxy, undefined, 'kube-system'))).toEqual([]);
      const debug = {
        ...podCreate({ ...proxy, ephemeralContainers: [{ name: 'debugger', image: 'busybox', securityContext: { privileged: true } }] }, undefined, 'kube-system'),
        verb: 'patch',
        objectRef: { resource: 'pods', subresource: 'ephemeralcontainers', namespace: 'kube-system', name: 'kube-proxy-x1' },
      };
      expect(fired(debug)).toEqual(['K8s privileged pod created', 'K8s pod sharing host namespaces created']);
    });
  });

  it('K8s privileged pod created', () => {
    const spec = (privileged: boolean, image = 'nginx:1.25') => ({ containers: [{ name: 'c', image, securityContext: { privileged } }] });
    expect(fired(podCreate(spec(true)))).toEqual(['K8s privileged pod created']);
    expect(fired(podCreate(spec(false)))).toEqual([]);
    const init = { containers: [{ name: 'c', image: 'nginx' }], initContainers: [{ name: 'i', image: 'busybox', securityContext: { privileged: true } }] };
    expect(fired(podCreate(init))).toEqual(['K8s privileged pod created']);
  });

  it('K8s pod sharing host namespaces created', () => {
    expect(fired(podCreate({ hostPID: true, containers: [{ name: 'c', image: 'nginx' }] }))).toEqual(['K8s pod sharing host namespaces created']);
    expect(fired(podCreate({ hostNetwork: true, containers: [{ name: 'c', image: 'nginx' }] }))).toEqual(['K8s pod sharing host namespaces created']);
    expect(fired(podCreate({ hostPID: false, containers: [{ name: 'c', image: 'nginx' }] }))).toEqual([]);
  });

  describe('K8s pod with sensitive host mount created', () => {
    const mount = (...paths: string[]) => ({
      containers: [{ name: 'c', image: 'nginx' }],
      volumes: paths.map((path, i) => ({ name: `v${i}`, hostPath: { path, type: 'Directory' } })),
    });
    const mounted = (...paths: string[]) => fired(podCreate(mount(...paths)));

    it.each([
      '/var/run/docker.sock', '/', '/etc', '/proc', '/root', '/var/lib/kubelet', '/run/containerd/containerd.sock',
      // Prefixes, and spellings that name the same place.
      '/etc/', '//etc', '/etc/kubernetes/pki', '/etc/kubernetes/manifests/', '/var/lib/kubelet/pods', '/root/.ssh',
      '/./etc', '/etc/./cron.d', '///', '/.', '/var//run/docker.sock', '/var/./lib/kubelet/pki', '/var/', '/run/', '/usr/bin',
      '/var/lib/containerd/io.containerd.content.v1.content', '/home/admin/.kube', '/dev/sda', '/sys/kernel',
      '/var/run/dockershim.sock', '/run/k3s/containerd/containerd.sock', '/run/podman/podman.sock',
    ])('fires for %s', (path) => {
      expect(mounted(path)).toEqual(['K8s pod with sensitive host mount created']);
    });

    it.each(['/data/cache', '/etcd-backup', '/var/log', '/var/lib/app', '/run/xtables.lock', '/opt/cni/bin', '/rootless', '/etc/localtime'])(
      'stays silent for %s',
      (path) => {
        expect(mounted(path)).toEqual([]);
      },
    );

    it('judges every volume: a sensitive one after many harmless ones, or next to a benign one', () => {
      const padded = { containers: [{ name: 'c', image: 'nginx' }], volumes: [...Array.from({ length: 40 }, (_, i) => ({ name: `e${i}`, emptyDir: {} })), { name: 'h', hostPath: { path: '/etc' } }] };
      expect(fired(podCreate(padded))).toEqual(['K8s pod with sensitive host mount created']);
      expect(mounted('/etc/localtime', '/etc/timezone')).toEqual([]);
      expect(mounted('/etc/localtime', '/var/run/docker.sock')).toEqual(['K8s pod with sensitive host mount created']);
      // Only hostPath volumes count: an NFS export of /etc is someone else's /etc.
      const nfs = { containers: [{ name: 'c', image: 'nginx' }], volumes: [{ name: 'n', nfs: { server: 'files', path: '/etc' } }] };
      expect(fired(podCreate(nfs))).toEqual([]);
    });
  });

  it('every k8s_audit rule names the cluster', () => {
    const withCluster = (overrides: Record<string, unknown>) => rules.evaluate('k8s_audit', auditOf(auditJson(overrides), 'prod-eu'));
    const k8sRules = rules.summaries().filter((r) => r.source === 'k8s_audit');
    const events: Record<string, unknown>[] = [
      { stage: 'ResponseStarted', objectRef: { resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'cart-1' }, responseStatus: { code: 101 } },
      { verb: 'get', objectRef: { resource: 'secrets', namespace: 'shop', name: 'db' }, responseStatus: { code: 200 } },
      { verb: 'patch', objectRef: { resource: 'secrets', namespace: 'shop', name: 'db' }, responseStatus: { code: 200 } },
      { verb: 'list', objectRef: { resource: 'configmaps', namespace: 'kube-system' }, responseStatus: { code: 200 } },
      { verb: 'update', objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'aws-auth' }, responseStatus: { code: 200 } },
      { objectRef: { resource: 'clusterrolebindings', name: 'b' }, requestObject: { roleRef: { name: 'cluster-admin' }, subjects: [] } },
      podCreate({ hostPID: true, containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }], volumes: [{ name: 'v', hostPath: { path: '/etc' } }] }),
    ];
    const alerts = events.flatMap((e) => withCluster(e));
    expect(new Set(alerts.map((a) => a.rule))).toEqual(new Set(k8sRules.map((r) => r.name)));
    for (const a of alerts) expect(a.output, a.rule).toContain('cluster=prod-eu');
  });

  it('only completed requests count', () => {
    const read = { verb: 'get', objectRef: { resource: 'secrets', namespace: 'shop', name: 'db' }, responseStatus: { code: 200 } };
    expect(fired({ ...read, stage: 'RequestReceived' })).toEqual([]);
  });
});

// The rule files as YAML items, for checks on how they are written.
type Item = { list?: string; items?: string[]; macro?: string; rule?: string; condition?: string };
const items: Item[] = readdirSync(RULES)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parse(readFileSync(join(RULES, f), 'utf8')) as Item[]);

describe('saker default rules are written to be allow-listed', () => {
  it("every rule has its own saker_known_… macro, false until you redefine it", () => {
    const macros = new Map(items.filter((i) => i.macro).map((i) => [i.macro!, i.condition!.trim()]));
    const rulesWithout: string[] = [];
    const shared = new Map<string, string>();
    for (const item of items.filter((i) => i.rule)) {
      const known = /\bnot (saker_(?:k8s_)?known_\w+)/.exec(item.condition!)?.[1];
      if (!known) {
        rulesWithout.push(item.rule!);
        continue;
      }
      expect(macros.get(known), known).toMatch(/^saker_(k8s_)?never_true$/);
      expect(shared.get(known), `${known} is shared by ${shared.get(known)} and ${item.rule}`).toBeUndefined();
      shared.set(known, item.rule!);
    }
    expect(rulesWithout).toEqual([]);
    expect(shared.size).toBe(15);
  });

  it('compares process names with items of at most 15 characters (proc.name is the kernel command name)', () => {
    const lists = new Map(items.filter((i) => i.list).map((i) => [i.list!, i.items!]));
    const expand = (name: string): string[] => (lists.get(name) ?? []).flatMap((x) => (lists.has(x) ? expand(x) : [x]));
    const conditions = items.filter((i) => i.condition).map((i) => i.condition!);
    const used = new Set<string>();
    for (const c of conditions) {
      for (const m of c.matchAll(/proc\.[pa]?name(?:\[\d+\])? in \(([^)]*)\)/g)) {
        for (const ref of m[1]!.split(',').map((x) => x.trim())) if (lists.has(ref)) used.add(ref);
      }
    }
    expect([...used].sort()).toEqual([
      'saker_entrypoint_scripts',
      'saker_etc_writer_ancestors',
      'saker_etc_writers',
      'saker_outbound_allowed_processes',
      'saker_sensitive_file_readers',
      'saker_setuid_root_programs',
      'saker_shell_allowed_parents',
      'saker_shell_binaries',
    ]);
    const tooLong = [...used].flatMap((l) => expand(l).filter((x) => x.length > 15).map((x) => `${l}: ${x}`));
    expect(tooLong).toEqual([]);
  });
});

