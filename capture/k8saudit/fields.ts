// Extractors of every `ka.*` field of Falco's k8saudit plugin (fields/k8saudit_fields.tsv), with the
// plugin's semantics (falcosecurity/plugins, plugins/k8saudit/pkg/k8saudit/extract.go): values are read
// from fixed places of the audit event; a JSON string is extracted as is and anything else as its JSON
// text (`ka.response.code` is "201", `ka.req.pod.host_network` is "true"); a field is *missing* whenever
// the plugin sets no value (absent key, empty list, wrong type). Where we had to guess (fields newer than
// the plugin source we could read) the guess is named in a comment and in the README's list.
// The json plugin's `jevt.*`/`json.*` fields apply to these events too; they are merged in by the source.

import type { Extractor, ExtractorFactory } from '../../src/engine/source.js';
import { compileEventAccess } from '../json/access.js';
import { jsonText, member } from '../json/value.js';
import { rememberedPerEvent } from '../remembered.js';
import { containerFields } from './containers.js';
import type { K8sAuditEvent } from './event.js';
import { queryParameters } from './uri.js';
import { indexArgument, keyArgument, NO_INDEX, textsSkippingHoles, walkEvent, walkPath } from './walk.js';

type Factory = ExtractorFactory<K8sAuditEvent>;

/** A single value at a fixed path. */
function scalar(...keys: string[]): Factory {
  const read = compileEventAccess(keys);
  const extract: Extractor<K8sAuditEvent> = (event) => jsonText(read(event));
  return () => extract;
}

/** A list field read from an array at a fixed path; anything but a non-empty array is missing. */
function array(...keys: string[]): Factory {
  const read = compileEventAccess(keys);
  const extract: Extractor<K8sAuditEvent> = (event) => {
    const v = read(event);
    if (!Array.isArray(v) || v.length === 0) return undefined;
    return v.map((item: unknown) => jsonText(item)!);
  };
  return () => extract;
}

/** A list field walked with the plugin's fan-out rules (see walk.ts), holes skipped. */
function walked(field: string, ...names: string[]): Factory {
  const keys = walkPath(names);
  return (arg) => {
    const index = indexArgument(field, arg);
    return (event) => textsSkippingHoles(walkEvent(event, index, keys));
  };
}

/** The role rules' fields: the arrays found in each rule are flattened into one list. */
function ruleField(field: string, key: string): Factory {
  const keys = walkPath(['requestObject', 'rules', key]);
  return (arg) => {
    const index = indexArgument(field, arg);
    return (event) => {
      const found: string[] = [];
      for (const v of walkEvent(event, index, keys) ?? []) {
        if (Array.isArray(v)) found.push(...(textsSkippingHoles(v) ?? []));
      }
      return found.length ? found : undefined;
    };
  };
}

/**
 * Guess (the fields came after the plugin source we could read): binding subjects of one `kind`, by name;
 * service accounts also as `namespace:name`, as the field descriptions say.
 */
function subjects(kind: string, withNamespace = false): Factory {
  const subjectsOf = compileEventAccess(['requestObject', 'subjects']);
  const extract: Extractor<K8sAuditEvent> = (event) => {
    const list = subjectsOf(event);
    if (!Array.isArray(list)) return undefined;
    const found: string[] = [];
    for (const subject of list as unknown[]) {
      if (member(subject, 'kind') !== kind) continue;
      const name = jsonText(member(subject, 'name'));
      if (name === undefined) continue;
      found.push(withNamespace ? `${jsonText(member(subject, 'namespace')) ?? ''}:${name}` : name);
    }
    return found.length ? found : undefined;
  };
  return () => extract;
}

const REQUEST_URI = compileEventAccess(['requestURI']);
const uriParam: Factory = (arg) => {
  const key = keyArgument('ka.uri.param', arg);
  return (event) => {
    const uri = jsonText(REQUEST_URI(event));
    if (uri === undefined) return undefined;
    return queryParameters(uri)?.get(key)?.[0];
  };
};

/** Deprecated but kept: the plugin returns "true" whatever the argument (its own comment says so). */
const subjectHasName: Factory = (arg) => {
  keyArgument('ka.req.binding.subject.has_name', arg);
  return () => 'true';
};

/** "true" when any container is privileged, "false" when none is; missing without containers. */
const CONTAINERS_PRIVILEGED = walkPath(['requestObject', 'spec', 'containers', 'securityContext', 'privileged']);
const anyContainerPrivileged: Factory = () => (event) => {
  const values = walkEvent(event, NO_INDEX, CONTAINERS_PRIVILEGED);
  if (!values) return undefined;
  return values.some((v) => v === true) ? 'true' : 'false';
};

/** First container's image (or repository), the deprecated singular forms. */
function firstContainer(field: string): Factory {
  const list = containerFields('ka.req.pod.containers', 'containers')[field]!;
  return () => {
    const extract = list('0');
    return (event) => (extract(event) as string[] | undefined)?.[0];
  };
}

/**
 * `ka.req.volume.hostpath[PATH]`: "true" when a hostPath volume uses PATH (or, with a trailing `*`, a path
 * starting with it), "false" when none does, missing without volumes. The plugin's code applies the key
 * argument as an index and so only looks at the first volume; we follow its documentation ("any volume").
 */
const VOLUMES = walkPath(['requestObject', 'spec', 'volumes']);
const VOLUME_HOST_PATHS = walkPath(['requestObject', 'spec', 'volumes', 'hostPath', 'path']);
const volumeHostPath: Factory = (arg) => {
  const key = keyArgument('ka.req.volume.hostpath', arg);
  const prefix = key.endsWith('*') ? key.slice(0, -1) : undefined;
  return (event) => {
    const paths = textsSkippingHoles(walkEvent(event, NO_INDEX, VOLUME_HOST_PATHS));
    if (!paths) return walkEvent(event, NO_INDEX, VOLUMES) ? 'false' : undefined;
    return paths.some((p) => p === key || (prefix !== undefined && p.startsWith(prefix))) ? 'true' : 'false';
  };
};

/** The keys of each volume other than `name`: its type (`hostPath`, `secret`, …). */
const VOLUME_ITSELF = walkPath(['requestObject', 'spec', 'volumes', '']);
const volumeTypes: Factory = (arg) => {
  const index = indexArgument('ka.req.pod.volumes.volume_type', arg);
  return (event) => {
    const found: string[] = [];
    for (const volume of walkEvent(event, index, VOLUME_ITSELF) ?? []) {
      if (volume === null || typeof volume !== 'object' || Array.isArray(volume)) continue;
      for (const key of Object.keys(volume)) if (key !== 'name') found.push(key);
    }
    return found.length ? found : undefined;
  };
};

/**
 * The plugin's walk ends on the `ports` array itself, so the field holds one value: the whole array as
 * JSON text, whatever the index.
 */
const SERVICE_PORTS = walkPath(['requestObject', 'spec', 'ports']);
const servicePorts: Factory = (arg) => {
  indexArgument('ka.req.service.ports', arg);
  return (event) => textsSkippingHoles(walkEvent(event, NO_INDEX, SERVICE_PORTS));
};

/**
 * The client addresses of the request (`sourceIPs`), or one of them with an index. The plugin source we
 * could read looks them up under `requestObject.rules` (falcosecurity/plugins#236: always missing); we
 * read the event's `sourceIPs` as the field's documentation says.
 */
const SOURCE_IPS = compileEventAccess(['sourceIPs']);
const sourceIps: Factory = (arg) => {
  const index = indexArgument('ka.sourceips', arg);
  return (event) => {
    const ips = SOURCE_IPS(event);
    if (!Array.isArray(ips)) return undefined;
    const chosen = index === NO_INDEX ? ips : index < ips.length ? [ips[index]] : [];
    return textsSkippingHoles(chosen);
  };
};

/** Guess: the name of the pod the request targets (objectRef of a `pods` resource). */
const TARGET_RESOURCE = compileEventAccess(['objectRef', 'resource']);
const TARGET_NAME = compileEventAccess(['objectRef', 'name']);
const targetPodName: Factory = () => (event) => (TARGET_RESOURCE(event) === 'pods' ? jsonText(TARGET_NAME(event)) : undefined);

/** saker's answer to a field the audit event does not carry: the cluster named by the webhook URL or config. */
const clusterName: Factory = () => (event) => event.cluster;

const ANNOTATION = (key: string): Factory => scalar('annotations', key);

export const k8sAuditExtractors: Readonly<Record<string, Factory>> = rememberedPerEvent<K8sAuditEvent>({
  'ka.auditid': scalar('auditID'),
  'ka.stage': scalar('stage'),
  'ka.auth.decision': ANNOTATION('authorization.k8s.io/decision'),
  'ka.auth.reason': ANNOTATION('authorization.k8s.io/reason'),
  // Guesses: the audit annotations these fields are documented to report.
  'ka.auth.openshift.decision': ANNOTATION('authentication.openshift.io/decision'),
  'ka.validations.admission.policy.failure': ANNOTATION('validation.policy.admission.k8s.io/validation_failure'),
  'ka.security.pod.violations': ANNOTATION('pod-security.kubernetes.io/audit-violations'),
  'ka.auth.openshift.username': ANNOTATION('authentication.openshift.io/username'),
  'ka.user.name': scalar('user', 'username'),
  'ka.user.groups': array('user', 'groups'),
  'ka.impuser.name': scalar('impersonatedUser', 'username'),
  'ka.verb': scalar('verb'),
  'ka.uri': scalar('requestURI'),
  'ka.uri.param': uriParam,
  'ka.target.name': scalar('objectRef', 'name'),
  'ka.target.namespace': scalar('objectRef', 'namespace'),
  'ka.target.resource': scalar('objectRef', 'resource'),
  'ka.target.subresource': scalar('objectRef', 'subresource'),
  'ka.target.pod.name': targetPodName,
  'ka.req.binding.subjects': array('requestObject', 'subjects'),
  'ka.req.binding.subjects.user_names': subjects('User'),
  'ka.req.binding.subjects.serviceaccount_names': subjects('ServiceAccount'),
  'ka.req.binding.subjects.serviceaccount_ns_names': subjects('ServiceAccount', true),
  'ka.req.binding.subjects.group_names': subjects('Group'),
  'ka.req.binding.role': scalar('requestObject', 'roleRef', 'name'),
  'ka.req.binding.subject.has_name': subjectHasName,
  'ka.req.configmap.name': scalar('objectRef', 'name'),
  'ka.req.configmap.obj': scalar('requestObject', 'data'),
  ...containerFields('ka.req.pod.containers', 'containers'),
  'ka.req.container.image': firstContainer('ka.req.pod.containers.image'),
  'ka.req.container.image.repository': firstContainer('ka.req.pod.containers.image.repository'),
  'ka.req.pod.host_ipc': scalar('requestObject', 'spec', 'hostIPC'),
  'ka.req.pod.host_network': scalar('requestObject', 'spec', 'hostNetwork'),
  'ka.req.container.host_network': scalar('requestObject', 'spec', 'hostNetwork'),
  'ka.req.pod.host_pid': scalar('requestObject', 'spec', 'hostPID'),
  'ka.req.container.privileged': anyContainerPrivileged,
  'ka.req.pod.run_as_user': scalar('requestObject', 'spec', 'securityContext', 'runAsUser'),
  'ka.req.pod.run_as_group': scalar('requestObject', 'spec', 'securityContext', 'runAsGroup'),
  'ka.req.role.rules': array('requestObject', 'rules'),
  'ka.req.role.rules.apiGroups': ruleField('ka.req.role.rules.apiGroups', 'apiGroups'),
  'ka.req.role.rules.nonResourceURLs': ruleField('ka.req.role.rules.nonResourceURLs', 'nonResourceURLs'),
  'ka.req.role.rules.verbs': ruleField('ka.req.role.rules.verbs', 'verbs'),
  'ka.req.role.rules.resources': ruleField('ka.req.role.rules.resources', 'resources'),
  'ka.req.pod.fs_group': scalar('requestObject', 'spec', 'securityContext', 'fsGroup'),
  'ka.req.pod.supplemental_groups': array('requestObject', 'spec', 'securityContext', 'supplementalGroups'),
  'ka.req.service.type': scalar('requestObject', 'spec', 'type'),
  'ka.req.service.ports': servicePorts,
  'ka.req.pod.volumes.hostpath': walked('ka.req.pod.volumes.hostpath', 'requestObject', 'spec', 'volumes', 'hostPath', 'path'),
  'ka.req.volume.hostpath': volumeHostPath,
  'ka.req.pod.volumes.flexvolume_driver': walked('ka.req.pod.volumes.flexvolume_driver', 'requestObject', 'spec', 'volumes', 'flexVolume', 'driver'),
  'ka.req.pod.volumes.volume_type': volumeTypes,
  'ka.resp.name': scalar('responseObject', 'metadata', 'name'),
  'ka.response.code': scalar('responseStatus', 'code'),
  'ka.response.reason': scalar('responseStatus', 'reason'),
  'ka.useragent': scalar('userAgent'),
  'ka.sourceips': sourceIps,
  'ka.cluster.name': clusterName,
  ...containerFields('ka.req.pod.initContainers', 'initContainers'),
  ...containerFields('ka.req.pod.ephemeralContainers', 'ephemeralContainers'),
});

/**
 * Fields whose extraction we had to guess (newer than the plugin source we could read, or where that
 * source has a bug we could not see fixed); the README lists what each reads. `npm run conformance` prints them.
 */
export const GUESSED_FIELDS: readonly string[] = [
  'ka.auth.openshift.decision',
  'ka.auth.openshift.username',
  'ka.validations.admission.policy.failure',
  'ka.security.pod.violations',
  'ka.target.pod.name',
  'ka.cluster.name',
  'ka.req.binding.subjects.user_names',
  'ka.req.binding.subjects.serviceaccount_names',
  'ka.req.binding.subjects.serviceaccount_ns_names',
  'ka.req.binding.subjects.group_names',
  ...Object.keys(k8sAuditExtractors).filter((f) => /^ka\.req\.pod\.(initContainers|ephemeralContainers)\./.test(f)),
  'ka.req.pod.containers.name',
  'ka.req.pod.containers.command',
  'ka.req.pod.containers.args',
  'ka.req.pod.containers.eff_run_as_user',
  'ka.req.pod.containers.eff_run_as_group',
  'ka.sourceips',
  'ka.req.volume.hostpath',
];
