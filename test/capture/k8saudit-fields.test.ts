import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { K8sAuditEvent } from '../../capture/k8saudit/event.js';
import { k8sAuditExtractors } from '../../capture/k8saudit/fields.js';
import { auditEvent } from '../../capture/k8saudit/parse.js';
import { CORPUS, CORPUS_ABSENT, hasSamples, k8sSamples } from './corpus.js';
import { auditJson, auditOf, pod } from './k8saudit-events.js';

const get = (field: string, event: K8sAuditEvent, arg?: string) => {
  const factory = k8sAuditExtractors[field];
  if (!factory) throw new Error(`no extractor for ${field}`);
  return factory(arg)(event);
};

describe('scalar fields', () => {
  const e = auditOf(auditJson({ impersonatedUser: { username: 'bob' } }), 'prod-eu');
  it('read their place in the event', () => {
    expect(get('ka.auditid', e)).toBe('5d0fb4ff-1c4b-4b7f-9b2a-7c1f4e0c2a11');
    expect(get('ka.stage', e)).toBe('ResponseComplete');
    expect(get('ka.auth.decision', e)).toBe('allow');
    expect(get('ka.auth.reason', e)).toBe('RBAC: allowed');
    expect(get('ka.user.name', e)).toBe('alice');
    expect(get('ka.impuser.name', e)).toBe('bob');
    expect(get('ka.verb', e)).toBe('create');
    expect(get('ka.uri', e)).toBe('/api/v1/namespaces/default/pods');
    expect(get('ka.target.name', e)).toBe('web-1');
    expect(get('ka.target.namespace', e)).toBe('default');
    expect(get('ka.target.resource', e)).toBe('pods');
    expect(get('ka.target.pod.name', e)).toBe('web-1');
    expect(get('ka.useragent', e)).toBe('kubectl/v1.29.0');
    expect(get('ka.cluster.name', e)).toBe('prod-eu');
  });
  it('render non-string JSON as JSON text', () => {
    expect(get('ka.response.code', e)).toBe('201');
    const e2 = auditOf(auditJson({ objectRef: { resource: 'pods', subresource: null }, responseStatus: { code: 403, reason: 'Forbidden' } }));
    expect(get('ka.target.subresource', e2)).toBe('null');
    expect(get('ka.response.reason', e2)).toBe('Forbidden');
    const cm = auditOf(auditJson({ requestObject: { data: { password: 'x', n: 2 } } }));
    expect(get('ka.req.configmap.obj', cm)).toBe('{"password":"x","n":2}');
  });
  it('are missing, never empty or <NA>, when the event lacks them', () => {
    const bare = auditOf({ auditID: 'x', stageTimestamp: '2026-01-01T00:00:00Z' });
    for (const field of Object.keys(k8sAuditExtractors)) {
      if (field === 'ka.auditid' || field === 'ka.req.binding.subject.has_name') continue;
      const arg = field === 'ka.uri.param' || field === 'ka.req.volume.hostpath' ? 'x' : undefined;
      expect(get(field, bare, arg), field).toBeUndefined();
    }
  });
  it('read the documented audit annotations (guessed keys)', () => {
    const e3 = auditOf(
      auditJson({
        annotations: {
          'authentication.openshift.io/decision': 'deny',
          'authentication.openshift.io/username': 'kube:admin',
          'validation.policy.admission.k8s.io/validation_failure': '[{"message":"no"}]',
          'pod-security.kubernetes.io/audit-violations': 'privileged (container "x" must not set privileged=true)',
        },
      }),
    );
    expect(get('ka.auth.openshift.decision', e3)).toBe('deny');
    expect(get('ka.auth.openshift.username', e3)).toBe('kube:admin');
    expect(get('ka.validations.admission.policy.failure', e3)).toBe('[{"message":"no"}]');
    expect(get('ka.security.pod.violations', e3)).toMatch(/^privileged/);
  });
  it('ka.target.pod.name is only about pods', () => {
    expect(get('ka.target.pod.name', auditOf(auditJson({ objectRef: { resource: 'secrets', name: 's' } })))).toBeUndefined();
  });
});

describe('list fields', () => {
  it('ka.user.groups, ka.sourceips with an index', () => {
    const e = auditOf(auditJson());
    expect(get('ka.user.groups', e)).toEqual(['dev', 'system:authenticated']);
    expect(get('ka.sourceips', e)).toEqual(['10.0.0.7', '192.168.1.2']);
    expect(get('ka.sourceips', e, '1')).toEqual(['192.168.1.2']);
    expect(get('ka.sourceips', e, '2')).toBeUndefined();
    expect(get('ka.user.groups', auditOf(auditJson({ user: { username: 'a', groups: [] } })))).toBeUndefined();
    expect(get('ka.user.groups', auditOf(auditJson({ user: { username: 'a', groups: 'dev' } })))).toBeUndefined();
  });
  it('refuse a non-numeric index at compile time', () => {
    expect(() => k8sAuditExtractors['ka.req.pod.containers.image']!('x')).toThrow(
      "field 'ka.req.pod.containers.image' takes a numeric index argument (e.g. ka.req.pod.containers.image[0]), not 'x'",
    );
  });
  it('container images and repositories, per container and by index', () => {
    const e = pod({ containers: [{ name: 'a', image: 'nginx:1.25' }, { name: 'b', image: 'registry.io/team/app@sha256:abc' }] });
    expect(get('ka.req.pod.containers.image', e)).toEqual(['nginx:1.25', 'registry.io/team/app@sha256:abc']);
    expect(get('ka.req.pod.containers.image', e, '1')).toEqual(['registry.io/team/app@sha256:abc']);
    expect(get('ka.req.pod.containers.image', e, '2')).toBeUndefined();
    expect(get('ka.req.pod.containers.image.repository', e)).toEqual(['nginx', 'registry.io/team/app']);
    expect(get('ka.req.container.image', e)).toBe('nginx:1.25');
    expect(get('ka.req.container.image.repository', e)).toBe('nginx');
    expect(get('ka.req.pod.containers.name', e)).toEqual(['a', 'b']);
    // The plugin cuts at the first ':', port included.
    expect(get('ka.req.pod.containers.image.repository', pod({ containers: [{ image: 'reg:5000/x:1' }] }))).toEqual(['reg']);
    // A container without an image makes the plugin fail: the field is missing.
    expect(get('ka.req.pod.containers.image', pod({ containers: [{ image: 'a' }, { name: 'noimage' }] }))).toBeUndefined();
  });
  it('security context flags skip containers that do not set them', () => {
    const e = pod({
      containers: [
        { image: 'a', securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN', 'SYS_TIME'] } } },
        { image: 'b' },
        { image: 'c', securityContext: { privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, procMount: 'Unmasked' } },
      ],
    });
    expect(get('ka.req.pod.containers.privileged', e)).toEqual(['true', 'false']);
    expect(get('ka.req.pod.containers.privileged', e, '1')).toBeUndefined();
    expect(get('ka.req.pod.containers.privileged', e, '2')).toEqual(['false']);
    expect(get('ka.req.container.privileged', e)).toBe('true');
    expect(get('ka.req.pod.containers.allow_privilege_escalation', e)).toEqual(['false']);
    expect(get('ka.req.pod.containers.read_only_fs', e)).toEqual(['true']);
    expect(get('ka.req.pod.containers.proc_mount', e)).toEqual(['Unmasked']);
    // Each container's added capabilities are one value, the JSON text of its list (the plugin's walk).
    expect(get('ka.req.pod.containers.add_capabilities', e)).toEqual(['["NET_ADMIN","SYS_TIME"]']);
    expect(get('ka.req.container.privileged', pod({ containers: [{ image: 'x' }] }))).toBe('false');
  });
  it('run-as users and groups, and the effective ones', () => {
    const e = pod({
      securityContext: { runAsUser: 1000, runAsGroup: 30 },
      containers: [{ image: 'a', securityContext: { runAsUser: 0 } }, { image: 'b' }],
    });
    expect(get('ka.req.pod.run_as_user', e)).toBe('1000');
    expect(get('ka.req.pod.run_as_group', e)).toBe('30');
    expect(get('ka.req.pod.containers.run_as_user', e)).toEqual(['0']);
    expect(get('ka.req.pod.containers.eff_run_as_user', e)).toEqual(['0', '1000']);
    expect(get('ka.req.pod.containers.eff_run_as_user', e, '1')).toEqual(['1000']);
    expect(get('ka.req.pod.containers.eff_run_as_group', e)).toEqual(['30', '30']);
    expect(get('ka.req.pod.containers.eff_run_as_group', pod({ containers: [{ image: 'a' }] }))).toEqual(['0']);
  });
  it('host ports: hostPort, else containerPort', () => {
    const e = pod({
      hostNetwork: true,
      containers: [{ image: 'a', ports: [{ hostPort: 8080, containerPort: 80 }, { containerPort: 9090 }] }, { image: 'b' }],
    });
    expect(get('ka.req.pod.containers.host_port', e)).toEqual(['8080', '9090']);
    expect(get('ka.req.pod.host_network', e)).toBe('true');
    expect(get('ka.req.container.host_network', e)).toBe('true');
    expect(get('ka.req.pod.host_pid', e)).toBeUndefined();
  });
  it('init and ephemeral containers are separate lists', () => {
    const e = pod({
      containers: [{ name: 'c', image: 'reg.example.com/c:1', securityContext: { privileged: false } }],
      initContainers: [{ name: 'i', image: 'reg.example.com/i:1', securityContext: { privileged: true }, command: ['sh', '-c', 'x'] }],
      ephemeralContainers: [{ name: 'e', image: 'busybox', securityContext: { privileged: true } }],
    });
    expect(get('ka.req.pod.containers.privileged', e)).toEqual(['false']);
    expect(get('ka.req.pod.containers.image', e)).toEqual(['reg.example.com/c:1']);
    expect(get('ka.req.pod.initContainers.privileged', e)).toEqual(['true']);
    expect(get('ka.req.pod.initContainers.image.repository', e)).toEqual(['reg.example.com/i']);
    expect(get('ka.req.pod.initContainers.command', e)).toEqual(['["sh","-c","x"]']);
    expect(get('ka.req.pod.ephemeralContainers.privileged', e)).toEqual(['true']);
    expect(get('ka.req.pod.ephemeralContainers.name', e)).toEqual(['e']);
    expect(k8sAuditExtractors['ka.req.pod.ephemeralContainers.host_port']).toBeUndefined();
  });
  it('volumes: host paths, flexvolume drivers, types, and the deprecated prefix test', () => {
    const e = pod({
      volumes: [
        { name: 'etc', hostPath: { path: '/etc' } },
        { name: 'tok', secret: { secretName: 's' } },
        { name: 'flex', flexVolume: { driver: 'dummy/dummy' } },
        { name: 'sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } },
      ],
    });
    expect(get('ka.req.pod.volumes.hostpath', e)).toEqual(['/etc', '/var/run/docker.sock']);
    expect(get('ka.req.pod.volumes.hostpath', e, '3')).toEqual(['/var/run/docker.sock']);
    expect(get('ka.req.pod.volumes.hostpath', e, '1')).toBeUndefined();
    expect(get('ka.req.pod.volumes.flexvolume_driver', e)).toEqual(['dummy/dummy']);
    expect(get('ka.req.pod.volumes.volume_type', e)).toEqual(['hostPath', 'secret', 'flexVolume', 'hostPath']);
    expect(get('ka.req.pod.volumes.volume_type', e, '1')).toEqual(['secret']);
    expect(get('ka.req.volume.hostpath', e, '/etc')).toBe('true');
    expect(get('ka.req.volume.hostpath', e, '/var/run/*')).toBe('true');
    expect(get('ka.req.volume.hostpath', e, '/proc')).toBe('false');
    expect(get('ka.req.volume.hostpath', pod({ volumes: [{ name: 'x', emptyDir: {} }] }), '/etc')).toBe('false');
    expect(get('ka.req.volume.hostpath', pod({}), '/etc')).toBeUndefined();
  });
  it('role rules are flattened per key, by rule index', () => {
    const e = auditOf(
      auditJson({
        objectRef: { resource: 'clusterroles', name: 'r' },
        requestObject: {
          kind: 'ClusterRole',
          rules: [
            { apiGroups: [''], resources: ['pods', 'pods/exec'], verbs: ['get', 'create'] },
            { nonResourceURLs: ['/metrics'], verbs: ['*'] },
          ],
        },
      }),
    );
    expect(get('ka.req.role.rules.resources', e)).toEqual(['pods', 'pods/exec']);
    expect(get('ka.req.role.rules.verbs', e)).toEqual(['get', 'create', '*']);
    expect(get('ka.req.role.rules.verbs', e, '1')).toEqual(['*']);
    expect(get('ka.req.role.rules.apiGroups', e)).toEqual(['']);
    expect(get('ka.req.role.rules.nonResourceURLs', e)).toEqual(['/metrics']);
    expect(get('ka.req.role.rules', e)).toEqual([
      '{"apiGroups":[""],"resources":["pods","pods/exec"],"verbs":["get","create"]}',
      '{"nonResourceURLs":["/metrics"],"verbs":["*"]}',
    ]);
  });
  it('binding subjects and role', () => {
    const e = auditOf(
      auditJson({
        objectRef: { resource: 'clusterrolebindings', name: 'b' },
        requestObject: {
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [
            { kind: 'User', name: 'mallory' },
            { kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' },
            { kind: 'Group', name: 'system:masters' },
          ],
        },
      }),
    );
    expect(get('ka.req.binding.role', e)).toBe('cluster-admin');
    expect(get('ka.req.binding.subjects', e)).toEqual([
      '{"kind":"User","name":"mallory"}',
      '{"kind":"ServiceAccount","name":"default","namespace":"kube-system"}',
      '{"kind":"Group","name":"system:masters"}',
    ]);
    expect(get('ka.req.binding.subjects.user_names', e)).toEqual(['mallory']);
    expect(get('ka.req.binding.subjects.serviceaccount_names', e)).toEqual(['default']);
    expect(get('ka.req.binding.subjects.serviceaccount_ns_names', e)).toEqual(['kube-system:default']);
    expect(get('ka.req.binding.subjects.group_names', e)).toEqual(['system:masters']);
    expect(get('ka.req.binding.subject.has_name', e, 'anything')).toBe('true');
  });
  it('service type and ports (one value: the ports array as JSON text, as the plugin walks it)', () => {
    const e = auditOf(auditJson({ requestObject: { spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } } }));
    expect(get('ka.req.service.type', e)).toBe('NodePort');
    expect(get('ka.req.service.ports', e)).toEqual(['[{"port":80,"nodePort":30080}]']);
  });
  it('pod fs group and supplemental groups', () => {
    const e = pod({ securityContext: { fsGroup: 2000, supplementalGroups: [10, 20] } });
    expect(get('ka.req.pod.fs_group', e)).toBe('2000');
    expect(get('ka.req.pod.supplemental_groups', e)).toEqual(['10', '20']);
  });
});

describe('ka.uri.param', () => {
  const uri = (requestURI: string) => auditOf(auditJson({ requestURI }));
  it('gives the first decoded value of a query parameter', () => {
    const e = uri('/api/v1/namespaces/d/pods/p/exec?command=%2Fbin%2Fsh&command=-c&container=app&stdin=true&tty=a+b');
    expect(get('ka.uri.param', e, 'command')).toBe('/bin/sh');
    expect(get('ka.uri.param', e, 'container')).toBe('app');
    expect(get('ka.uri.param', e, 'tty')).toBe('a b');
    expect(get('ka.uri.param', e, 'absent')).toBeUndefined();
  });
  it('is missing where Go refuses the query', () => {
    expect(get('ka.uri.param', uri('/x?a=1;b=2'), 'a')).toBeUndefined();
    expect(get('ka.uri.param', uri('/x?a=%zz'), 'a')).toBeUndefined();
    expect(get('ka.uri.param', uri('/x%zz?a=1'), 'a')).toBeUndefined();
    expect(get('ka.uri.param', uri('/x?a=1#frag'), 'a')).toBe('1');
  });
  it('requires its key argument', () => {
    expect(() => k8sAuditExtractors['ka.uri.param']!(undefined)).toThrow("field 'ka.uri.param' requires a key argument");
  });
});

describe.skipIf(!hasSamples)(`on the corpus samples ${hasSamples ? '' : CORPUS_ABSENT}`, () => {
  const byName = new Map(
    k8sSamples().map((s) => {
      const parsed = auditEvent(JSON.parse(s.text), { maxEventBytes: 262144 }, s.text);
      if (!parsed.ok) throw new Error(`${s.name}: ${parsed.reason}`);
      return [s.name.replace(/\.json$/, ''), parsed.event];
    }),
  );
  const field = (sample: string, name: string, arg?: string) => get(name, byName.get(sample)!, arg);

  it('read the pod security settings each sample was made for', () => {
    expect(field('privileged', 'ka.req.pod.containers.privileged')).toEqual(['true']);
    expect(field('privileged', 'ka.req.container.privileged')).toBe('true');
    expect(field('host_ipc', 'ka.req.pod.host_ipc')).toBe('true');
    expect(field('host_pid', 'ka.req.pod.host_pid')).toBe('true');
    expect(field('host_network', 'ka.req.pod.host_network')).toBe('true');
    expect(field('host_network_ports', 'ka.req.pod.containers.host_port')).toEqual(['1234']);
    expect(field('mount_etc_using_host_path', 'ka.req.pod.volumes.hostpath')).toEqual(['/etc']);
    expect(field('mount_etc_using_host_path', 'ka.req.volume.hostpath', '/etc')).toBe('true');
    expect(field('flex_volumes', 'ka.req.pod.volumes.flexvolume_driver')).toEqual(['dummy/dummy']);
    expect(field('fs_group', 'ka.req.pod.fs_group')).toBe('2000');
    expect(field('supplemental_groups_10_20', 'ka.req.pod.supplemental_groups')).toEqual(['10', '20']);
    expect(field('privilege_escalation', 'ka.req.pod.containers.allow_privilege_escalation')).toEqual(['true']);
    expect(field('read_only_root_fs', 'ka.req.pod.containers.read_only_fs')).toEqual(['true']);
    expect(field('proc_mount_type_unmasked', 'ka.req.pod.containers.proc_mount')).toEqual(['Unmasked']);
    expect(field('capability_add_sys_time', 'ka.req.pod.containers.add_capabilities')).toEqual(['["SYS_TIME"]']);
  });
  it('compute effective run-as users and groups from pod and container contexts', () => {
    const cases: Array<[string, string, string[]]> = [
      ['run_as_user_0_container', 'ka.req.pod.containers.eff_run_as_user', ['0']],
      ['run_as_user_1000_container', 'ka.req.pod.containers.eff_run_as_user', ['1000']],
      ['run_as_user_30_sec_ctx', 'ka.req.pod.containers.eff_run_as_user', ['30']],
      ['run_as_user_1000_sec_ctx_0_container', 'ka.req.pod.containers.eff_run_as_user', ['0']],
      ['run_as_user_0_sec_ctx_1000_container', 'ka.req.pod.containers.eff_run_as_user', ['1000']],
      ['run_as_group_30_sec_ctx_1000_container', 'ka.req.pod.containers.eff_run_as_group', ['1000']],
      ['run_as_group_1000_sec_ctx', 'ka.req.pod.containers.eff_run_as_group', ['1000']],
      ['create_vanilla_nginx_deployment', 'ka.req.pod.containers.eff_run_as_user', ['0']],
    ];
    for (const [sample, name, expected] of cases) expect(field(sample, name), `${sample} ${name}`).toEqual(expected);
    expect(field('run_as_user_30_sec_ctx', 'ka.req.pod.run_as_user')).toBe('30');
    expect(field('run_as_user_30_sec_ctx', 'ka.req.pod.containers.run_as_user')).toBeUndefined();
  });
  it('read the request basics of every sample', () => {
    for (const [name, e] of byName) {
      const raw = JSON.parse(readFileSync(`${CORPUS}k8s_audit/samples/${name}.json`, 'utf8')) as Record<string, any>;
      expect(field(name, 'ka.verb')).toBe(raw.verb);
      expect(field(name, 'ka.target.resource')).toBe(raw.objectRef.resource);
      expect(field(name, 'ka.user.name')).toBe(raw.user.username);
      expect(field(name, 'ka.response.code')).toBe(String(raw.responseStatus.code));
      expect(field(name, 'ka.auth.decision')).toBe(raw.annotations['authorization.k8s.io/decision']);
      expect(field(name, 'ka.req.pod.containers.image')).toEqual(raw.requestObject.spec.containers.map((c: any) => c.image));
      expect(field(name, 'ka.resp.name')).toBe(raw.responseObject?.metadata?.name);
      expect(e.time > 0n).toBe(true);
    }
  });
});

describe.skipIf(!hasSamples)(`the field tables ${hasSamples ? '' : CORPUS_ABSENT}`, () => {
  const names = (file: string) =>
    readFileSync(`${CORPUS}fields/${file}`, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split('\t')[0]!);
  it('every ka.* field of the plugin has an extractor, and no other', () => {
    expect(Object.keys(k8sAuditExtractors).sort()).toEqual(names('k8saudit_fields.tsv').sort());
  });
});

describe('guessed fields', () => {
  it('are real fields of the table', async () => {
    const { GUESSED_FIELDS } = await import('../../capture/k8saudit/fields.js');
    for (const f of GUESSED_FIELDS) expect(k8sAuditExtractors[f], f).toBeDefined();
  });
});
