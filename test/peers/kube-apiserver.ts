// A Kubernetes API server peer, just enough for `kubectl label pod`: legacy discovery (/api, /apis, /api/v1),
// GET and merge-PATCH of pods, Status objects for errors. `kubeconfig()` writes a file pointing kubectl at it.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpPeer, send, type PeerRequest, type ScriptedAnswer } from './http-peer.js';

export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; labels: Record<string, string> };
  spec: { containers: Array<{ name: string; image: string }> };
}

export class KubeApiServerPeer {
  readonly pods = new Map<string, Pod>();
  private constructor(private readonly http: HttpPeer) {}

  static async start(): Promise<KubeApiServerPeer> {
    let peer: KubeApiServerPeer | undefined;
    const http = await HttpPeer.start((req, res) => {
      const a = peer!.handle(req);
      send(res, a.status, a.body ?? '', a.headers);
    });
    peer = new KubeApiServerPeer(http);
    return peer;
  }

  get requests(): PeerRequest[] {
    return this.http.requests;
  }

  addPod(namespace: string, name: string): Pod {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: '1', labels: { app: name } },
      spec: { containers: [{ name, image: 'nginx:1.27' }] },
    };
    this.pods.set(`${namespace}/${name}`, pod);
    return pod;
  }

  /** Writes a kubeconfig for this server into `dir` and returns its path. */
  kubeconfig(dir: string): string {
    const file = join(dir, 'kubeconfig.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: peer, cluster: {server: "${this.http.url}"}}]`,
        'users: [{name: saker, user: {token: test-token}}]',
        'contexts: [{name: peer, context: {cluster: peer, user: saker}}]',
        'current-context: peer',
        '',
      ].join('\n'),
    );
    return file;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private handle(req: PeerRequest): ScriptedAnswer {
    const url = new URL(req.path, 'http://peer');
    switch (url.pathname) {
      case '/version':
        return ok({ major: '1', minor: '32', gitVersion: 'v1.32.0' });
      case '/api':
        return ok({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
      case '/apis':
        return ok({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      case '/api/v1':
        return ok({
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [{ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list', 'patch', 'update'], shortNames: ['po'] }],
        });
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(url.pathname);
    if (!m) return notFound('the server could not find the requested resource');
    const pod = this.pods.get(`${m[1]}/${m[2]}`);
    if (!pod) return notFound(`pods "${m[2]}" not found`);
    if (req.method === 'GET') return ok(pod);
    if (req.method === 'PATCH' && String(req.headers['content-type']).startsWith('application/merge-patch+json')) {
      const patch = JSON.parse(req.body.toString('utf8')) as { metadata?: { labels?: Record<string, string | null> } };
      for (const [k, v] of Object.entries(patch.metadata?.labels ?? {})) {
        if (v === null) delete pod.metadata.labels[k];
        else pod.metadata.labels[k] = v;
      }
      pod.metadata.resourceVersion = String(Number(pod.metadata.resourceVersion) + 1);
      return ok(pod);
    }
    return { status: 405, body: status(405, 'MethodNotAllowed', `${req.method} is not supported here`) };
  }
}

function ok(body: object): ScriptedAnswer {
  return { status: 200, body };
}

function status(code: number, reason: string, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function notFound(message: string): ScriptedAnswer {
  return { status: 404, body: status(404, 'NotFound', message) };
}
