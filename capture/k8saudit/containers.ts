// The per-container fields, which the k8saudit plugin offers for the three container lists of a pod
// (`ka.req.pod.containers.*`, `ka.req.pod.initContainers.*`, `ka.req.pod.ephemeralContainers.*`), each
// list read on its own: a privileged init container never shows in `ka.req.pod.containers.privileged`.
// All take an optional index selecting one container.

import type { ExtractorFactory } from '../../src/engine/source.js';
import { compileEventAccess } from '../json/access.js';
import { compileAccess, jsonText } from '../json/value.js';
import type { K8sAuditEvent } from './event.js';
import { indexArgument, NO_INDEX, textsRequiringAll, textsSkippingHoles, walkEvent, walkPath } from './walk.js';

type ContainerList = 'containers' | 'initContainers' | 'ephemeralContainers';
type Factory = ExtractorFactory<K8sAuditEvent>;

/** `repo/image:tag@sha256:…` → `repo/image`: the plugin cuts at the first `:` then at the first `@`. */
export function imageRepository(image: string): string {
  const colon = image.indexOf(':');
  const name = colon < 0 ? image : image.slice(0, colon);
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

/** A list field over one key path inside each container; holes (containers without it) are skipped. */
function perContainer(field: string, list: ContainerList, keys: readonly string[]): Factory {
  const fullPath = walkPath(['requestObject', 'spec', list, ...keys]);
  return (arg) => {
    const index = indexArgument(field, arg);
    return (event) => textsSkippingHoles(walkEvent(event, index, fullPath));
  };
}

/** Images: a container without an image makes the whole field missing (the plugin errors out). */
function images(field: string, list: ContainerList, repositoryOnly: boolean): Factory {
  const fullPath = walkPath(['requestObject', 'spec', list, 'image']);
  return (arg) => {
    const index = indexArgument(field, arg);
    return (event) => {
      const found = textsRequiringAll(walkEvent(event, index, fullPath));
      return found && repositoryOnly ? found.map(imageRepository) : found;
    };
  };
}

/** hostPort of every port of every container, or containerPort where hostPort is absent. */
function hostPorts(field: string, list: ContainerList): Factory {
  const fullPath = walkPath(['requestObject', 'spec', list, 'ports']);
  const hostPort = compileAccess(['hostPort']);
  const containerPort = compileAccess(['containerPort']);
  return (arg) => {
    const index = indexArgument(field, arg);
    return (event) => {
      const perContainerPorts = walkEvent(event, index, fullPath);
      if (!perContainerPorts) return undefined;
      const found: string[] = [];
      for (const ports of perContainerPorts) {
        if (ports === undefined) continue;
        if (!Array.isArray(ports)) return undefined; // the plugin's wrong-type error
        for (const port of ports as unknown[]) {
          const p = hostPort(port) ?? containerPort(port);
          if (p !== undefined) found.push(jsonText(p)!);
        }
      }
      return found.length ? found : undefined;
    };
  };
}

/**
 * The uid/gid a container starts with: its own securityContext value, else the pod's securityContext
 * value, else 0 — one entry per container, as the field's documentation describes.
 */
function effective(field: string, list: ContainerList, key: 'runAsUser' | 'runAsGroup'): Factory {
  const listOf = compileEventAccess(['requestObject', 'spec', list]);
  const podValue = compileEventAccess(['requestObject', 'spec', 'securityContext', key]);
  const ownValue = compileAccess(['securityContext', key]);
  return (arg) => {
    const index = indexArgument(field, arg);
    return (event) => {
      const containers = listOf(event);
      if (!Array.isArray(containers) || containers.length === 0) return undefined;
      if (index !== NO_INDEX && index >= containers.length) return undefined;
      const pod = jsonText(podValue(event)) ?? '0';
      const chosen = index === NO_INDEX ? containers : [containers[index]];
      return chosen.map((c: unknown) => jsonText(ownValue(c)) ?? pod);
    };
  };
}

export function containerFields(prefix: string, list: ContainerList): Record<string, Factory> {
  const f = (name: string): string => `${prefix}.${name}`;
  const fields: Record<string, Factory> = {
    [f('name')]: perContainer(f('name'), list, ['name']),
    [f('image')]: images(f('image'), list, false),
    [f('image.repository')]: images(f('image.repository'), list, true),
    [f('command')]: perContainer(f('command'), list, ['command']),
    [f('args')]: perContainer(f('args'), list, ['args']),
    [f('privileged')]: perContainer(f('privileged'), list, ['securityContext', 'privileged']),
    [f('allow_privilege_escalation')]: perContainer(f('allow_privilege_escalation'), list, ['securityContext', 'allowPrivilegeEscalation']),
    [f('read_only_fs')]: perContainer(f('read_only_fs'), list, ['securityContext', 'readOnlyRootFilesystem']),
    [f('run_as_user')]: perContainer(f('run_as_user'), list, ['securityContext', 'runAsUser']),
    [f('eff_run_as_user')]: effective(f('eff_run_as_user'), list, 'runAsUser'),
    [f('run_as_group')]: perContainer(f('run_as_group'), list, ['securityContext', 'runAsGroup']),
    [f('eff_run_as_group')]: effective(f('eff_run_as_group'), list, 'runAsGroup'),
    [f('proc_mount')]: perContainer(f('proc_mount'), list, ['securityContext', 'procMount']),
    [f('add_capabilities')]: perContainer(f('add_capabilities'), list, ['securityContext', 'capabilities', 'add']),
  };
  // Ephemeral containers may not declare ports, and the plugin has no host_port field for them.
  if (list !== 'ephemeralContainers') fields[f('host_port')] = hostPorts(f('host_port'), list);
  return fields;
}
