// Containers: the id a thread's cgroups reveal, and the metadata capture files carry in container events
// (FORMAT.md §16.7; the container plugin applies the same rules).

import { splitNulList } from '../event.js';

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * A thread's cgroups from their bytes (NUL-separated `subsys=path` entries in raw[start, end)), subsystem
 * names normalised as sinsp does (`cpu_cgroup` → `cpu`, `perf` → `perf_event` …), and the container id they
 * reveal. Most threads share their cgroups with many others: each distinct list is worked out once.
 */
export function cgroupsOf(raw: Buffer, start: number, end: number): { cgroups: string[]; containerId: string } {
  // Consecutive threads (a process list, a process's threads) mostly repeat the previous list: compare the
  // bytes with it before making a string key.
  const n = end - start;
  if (last !== undefined && n === lastLen && raw.compare(lastBytes, 0, n, start, end) === 0) return last;
  const key = raw.toString('latin1', start, end);
  let known = CGROUPS.get(key);
  if (known === undefined) {
    const cgroups = splitNulList(raw, start, end).map(normaliseCgroup);
    known = { cgroups, containerId: containerIdFromCgroups(cgroups) };
    if (CGROUPS.size >= 4096) CGROUPS.clear();
    CGROUPS.set(key, known);
  }
  if (lastBytes.length < n) lastBytes = Buffer.allocUnsafe(Math.max(n, 2 * lastBytes.length));
  raw.copy(lastBytes, 0, start, end);
  lastLen = n;
  last = known;
  return known;
}

/** The last list cgroupsOf worked out (a copy of its bytes) and its result. */
let lastBytes = Buffer.alloc(1024);
let lastLen = 0;
let last: { cgroups: string[]; containerId: string } | undefined;


/**
 * The 12-character container id for a thread's cgroups (`subsys=path` entries), or '' for the host. The
 * first entry whose path names a container wins.
 */
export function containerIdFromCgroups(cgroups: readonly string[]): string {
  for (const entry of cgroups) {
    const eq = entry.indexOf('=');
    const path = eq < 0 ? entry : entry.slice(eq + 1);
    const id = containerIdFromPath(path);
    if (id !== '') return id;
  }
  return '';
}

export function containerIdFromPath(path: string): string {
  // cri-containerd with the systemd driver: `…:cri-containerd:<id>`
  const colon = path.lastIndexOf(':cri-containerd:');
  if (colon >= 0) {
    const id = path.slice(colon + ':cri-containerd:'.length);
    if (HEX64.test(id)) return id.slice(0, 12);
  }
  const slash = path.lastIndexOf('/');
  let last = path.slice(slash + 1);
  // podman: `…/libpod-<id>.scope/container`
  if (last === 'container' && slash > 0) {
    const prev = path.lastIndexOf('/', slash - 1);
    last = path.slice(prev + 1, slash);
  }
  if (HEX64.test(last)) return last.slice(0, 12);
  for (const prefix of ['docker-', 'crio-', 'cri-containerd-', 'libpod-']) {
    if (!last.startsWith(prefix)) continue;
    let id = last.slice(prefix.length);
    if (id.endsWith('.scope')) id = id.slice(0, -'.scope'.length);
    else if (prefix !== 'crio-' && prefix !== 'libpod-') continue;
    if (HEX64.test(id)) return id.slice(0, 12);
  }
  // containerd without the systemd driver: short ids under a `default` namespace.
  if (
    path.includes('/default/') &&
    last !== '' &&
    !/\.(service|slice|scope)$/.test(last) &&
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(last)
  ) {
    return last.length > 12 ? last.slice(0, 12) : last;
  }
  return '';
}

export interface ContainerMount {
  source: string;
  dest: string;
  mode: string;
  rw: boolean;
  propagation: string;
}

/** What a container event tells about a container (the JSON `container` object). */
export interface ContainerInfo {
  id: string;
  fullId: string;
  type: number;
  name: string;
  image: string;
  imageId: string;
  imageRepo: string;
  imageTag: string;
  imageDigest: string;
  privileged: boolean | undefined;
  hostPid: boolean | undefined;
  hostNetwork: boolean | undefined;
  hostIpc: boolean | undefined;
  ip: string;
  /** ns since the epoch; 0 = unknown. */
  createdTime: bigint;
  labels: Record<string, string>;
  mounts: ContainerMount[];
  cniJson: string;
  lookupState: number;
}

export const CONTAINER_TYPES = [
  'docker',
  'lxc',
  'libvirt-lxc',
  'mesos',
  'rkt',
  'custom',
  'cri',
  'containerd',
  'cri-o',
  'bpm',
  'static',
  'podman',
];

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/**
 * The container a CONTAINER_JSON event's text describes (parseContainerJson), remembered by text: a capture
 * repeats the same events for the same containers (a generated one, every round), and the result is never
 * changed once made. Decoding the text costs far less than parsing the JSON and building the record.
 */
export function containerOfText(text: string): ContainerInfo | undefined {
  const known = CONTAINERS.get(text);
  if (known !== undefined || CONTAINERS.has(text)) return known;
  const info = parseContainerJson(text);
  if (CONTAINERS.size >= 256) CONTAINERS.clear();
  CONTAINERS.set(text, info);
  return info;
}

/** Container events' texts seen (shared by every capture read in this process; bounded) and their result. */
const CONTAINERS = new Map<string, ContainerInfo | undefined>();

/** Parses a CONTAINER_JSON event's text; undefined when it is not a container record. */
export function parseContainerJson(text: string): ContainerInfo | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const c = (doc as { container?: Record<string, unknown> } | null)?.container;
  if (c === undefined || c === null || typeof c !== 'object') return undefined;
  const id = str(c.id);
  if (id === '') return undefined;
  const labels: Record<string, string> = {};
  if (c.labels && typeof c.labels === 'object') {
    for (const [k, v] of Object.entries(c.labels as Record<string, unknown>)) labels[k] = String(v);
  }
  const mounts: ContainerMount[] = [];
  if (Array.isArray(c.Mounts)) {
    for (const m of c.Mounts as Array<Record<string, unknown>>) {
      mounts.push({
        source: str(m.Source),
        dest: str(m.Destination),
        mode: str(m.Mode),
        rw: m.RW === true,
        propagation: str(m.Propagation),
      });
    }
  }
  let createdTime = 0n;
  if (typeof c.created_time === 'number' && Number.isFinite(c.created_time)) {
    createdTime = BigInt(Math.trunc(c.created_time)) * 1_000_000_000n;
  }
  return {
    id,
    fullId: str(c.full_id),
    type: typeof c.type === 'number' ? c.type : 0,
    name: str(c.name),
    image: str(c.image),
    imageId: str(c.imageid),
    imageRepo: str(c.imagerepo),
    imageTag: str(c.imagetag),
    imageDigest: str(c.imagedigest),
    privileged: bool(c.privileged),
    hostPid: bool(c.host_pid),
    hostNetwork: bool(c.host_network),
    hostIpc: bool(c.host_ipc),
    ip: str(c.ip),
    createdTime,
    labels,
    mounts,
    cniJson: str(c.cni_json),
    lookupState: typeof c.lookup_state === 'number' ? c.lookup_state : 1,
  };
}

/** Distinct cgroup lists seen (shared by every capture read in this process; bounded). */
const CGROUPS = new Map<string, { cgroups: string[]; containerId: string }>();

function normaliseCgroup(entry: string): string {
  const eq = entry.indexOf('=');
  if (eq < 0) return entry;
  let subsys = entry.slice(0, eq);
  const cg = subsys.indexOf('_cgroup');
  if (cg >= 0) subsys = subsys.slice(0, cg) + subsys.slice(cg + '_cgroup'.length);
  if (subsys === 'perf') subsys = 'perf_event';
  else if (subsys === 'mem') subsys = 'memory';
  else if (subsys === 'io') subsys = 'blkio';
  return subsys === entry.slice(0, eq) ? entry : `${subsys}${entry.slice(eq)}`;
}
