// `container.*` and `k8s.*`: the container a thread runs in (id from its cgroups, metadata from the
// capture's container events), as the container plugin reports them.

import type { ScapEvent } from '../event.js';
import { CONTAINER_TYPES, type ContainerInfo, type ContainerMount } from '../state/containers.js';
import { type FieldValue, indexArg, plain, type SyscallExtractors, withArg } from './common.js';

/** The thread's container id: `host` for host threads, missing for events without a thread. */
function containerId(ev: ScapEvent): string | undefined {
  const t = ev.thread;
  if (t === undefined) return undefined;
  return t.containerId === '' ? 'host' : t.containerId;
}

/** A metadata field: `host` threads get `onHost`, unknown containers and empty values are missing. */
function meta(onHost: FieldValue | undefined, fn: (c: ContainerInfo) => FieldValue | undefined) {
  return plain((ev) => {
    const t = ev.thread;
    if (t === undefined) return undefined;
    if (t.containerId === '') return onHost;
    const c = ev.state?.containers.get(t.containerId);
    if (c === undefined) return undefined;
    const v = fn(c);
    return v === '' ? undefined : v;
  });
}

function label(c: ContainerInfo, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(c.labels, key) ? c.labels[key] : undefined;
}

function labelsText(c: ContainerInfo): string | undefined {
  const entries = Object.entries(c.labels);
  return entries.length === 0 ? undefined : entries.map(([k, v]) => `${k}:${v}`).join(', ');
}

function mountText(m: ContainerMount): string {
  return `${m.source}:${m.dest}:${m.mode}:${m.rw ? 'true' : 'false'}:${m.propagation}`;
}

/** container.mount*[ARG]: ARG is a mount index or a glob on the destination; `N/A` when none matches. */
function mountField(what: (m: ContainerMount) => string) {
  return withArg('a mount index or destination, e.g. container.mount.dest[/etc]', (arg) => {
    const byIndex = /^\d+$/.test(arg) ? indexArg(arg) : -1;
    const re = byIndex < 0 ? globToRegExp(arg) : null;
    return (ev) => {
      const t = ev.thread;
      if (t === undefined || t.containerId === '') return undefined;
      const c = ev.state?.containers.get(t.containerId);
      if (c === undefined) return undefined;
      const m = byIndex >= 0 ? c.mounts[byIndex] : c.mounts.find((x) => re!.test(x.dest));
      return m === undefined ? 'N/A' : what(m);
    };
  });
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const K8S = {
  pod: 'io.kubernetes.pod.name',
  ns: 'io.kubernetes.pod.namespace',
  uid: 'io.kubernetes.pod.uid',
  sandbox: 'io.kubernetes.sandbox.id',
};

export const CONTAINER_FIELDS: SyscallExtractors = {
  'container.id': plain(containerId),
  'container.full_id': meta('host', (c) => c.fullId || c.id),
  'container.name': meta('host', (c) => c.name),
  'container.image': meta(undefined, (c) => c.image),
  'container.image.id': meta(undefined, (c) => c.imageId),
  'container.type': meta(undefined, (c) => CONTAINER_TYPES[c.type] ?? 'unknown'),
  'container.privileged': meta(undefined, (c) => c.privileged),
  'container.mounts': meta(undefined, (c) => (c.mounts.length === 0 ? undefined : c.mounts.map(mountText).join(','))),
  'container.mount': mountField(mountText),
  'container.mount.source': mountField((m) => m.source),
  'container.mount.dest': mountField((m) => m.dest),
  'container.mount.mode': mountField((m) => m.mode),
  'container.mount.rdwr': mountField((m) => (m.rw ? 'true' : 'false')),
  'container.mount.propagation': mountField((m) => m.propagation),
  'container.image.repository': meta(undefined, (c) => c.imageRepo),
  'container.image.tag': meta(undefined, (c) => c.imageTag),
  'container.image.digest': meta(undefined, (c) => c.imageDigest),
  'container.start_ts': meta(undefined, (c) => (c.createdTime === 0n ? undefined : c.createdTime)),
  'container.duration': plain((ev) => {
    const t = ev.thread;
    const c = t === undefined ? undefined : ev.state?.containers.get(t.containerId);
    return c === undefined || c.createdTime === 0n ? undefined : ev.ts - c.createdTime;
  }),
  'container.ip': meta(undefined, (c) => c.ip),
  'container.cni.json': meta(undefined, (c) => c.cniJson),
  'container.host_pid': meta(undefined, (c) => c.hostPid),
  'container.host_network': meta(undefined, (c) => c.hostNetwork),
  'container.host_ipc': meta(undefined, (c) => c.hostIpc),
  'container.label': withArg('a label name', (key) => meta(undefined, (c) => label(c, key))(undefined)),
  'container.labels': meta(undefined, labelsText),
  'k8s.pod.name': meta(undefined, (c) => label(c, K8S.pod)),
  'k8s.ns.name': meta(undefined, (c) => label(c, K8S.ns)),
  'k8s.pod.id': meta(undefined, (c) => label(c, K8S.uid)),
  'k8s.pod.uid': meta(undefined, (c) => label(c, K8S.uid)),
  'k8s.pod.sandbox_id': meta(undefined, (c) => label(c, K8S.sandbox)?.slice(0, 12)),
  'k8s.pod.full_sandbox_id': meta(undefined, (c) => label(c, K8S.sandbox)),
  'k8s.pod.label': withArg('a label name', (key) => meta(undefined, (c) => label(c, key))(undefined)),
  'k8s.pod.labels': meta(undefined, labelsText),
  'k8s.pod.ip': meta(undefined, (c) => c.ip),
  'k8s.pod.cni.json': meta(undefined, (c) => c.cniJson),
};
