// The response scripts shipped in examples/, run for real through the script output.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptDelivery } from '../src/queue/delivery.js';
import { script } from '../outputs/script.js';
import { KubeApiServerPeer } from './peers/kube-apiserver.js';
import { build, makeAlert, policy } from './outputs/helpers.js';

const examples = resolve(import.meta.dirname, '../examples');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'saker-examples-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('examples/write-incident.sh', () => {
  it('writes one JSON file per alert, named by day and uuid, and replaces it on a retry', async () => {
    const incidents = join(dir, 'incidents');
    const out = build(script, { command: [join(examples, 'write-incident.sh')], env: { INCIDENT_DIR: incidents } });
    const alert = makeAlert();
    expect((await attemptDelivery({ output: out, policy: policy() }, [alert, alert], 1)).delivered).toHaveLength(2);
    expect(readdirSync(incidents)).toEqual([`2026-11-29_${alert.uuid}.json`]);
    expect(JSON.parse(readFileSync(join(incidents, readdirSync(incidents)[0]!), 'utf8'))).toEqual(alert);
  });

  it('keeps an attacker-chosen uuid out of the path', async () => {
    const incidents = join(dir, 'incidents-2');
    const out = build(script, { command: [join(examples, 'write-incident.sh')], env: { INCIDENT_DIR: incidents } });
    await out.send([makeAlert({ uuid: '../../etc/passwd' })], { attempt: 1, signal: new AbortController().signal });
    expect(readdirSync(incidents)).toEqual(['2026-11-29_etcpasswd.json']);
  });
});

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!kubectl)('examples/label-pod.sh (skipped without kubectl on the PATH)', () => {
  let api: KubeApiServerPeer;
  let kubeconfig: string;
  beforeAll(async () => {
    api = await KubeApiServerPeer.start();
    kubeconfig = api.kubeconfig(dir);
  });
  afterAll(() => api.close());

  const output = (args: string[] = []) =>
    build(script, {
      command: [join(examples, 'label-pod.sh'), ...args],
      envfields: ['k8s.ns.name', 'k8s.pod.name'],
      env: { KUBECONFIG: kubeconfig },
    });
  const podAlert = (ns: string, pod: string) => makeAlert({ output_fields: { 'k8s.ns.name': ns, 'k8s.pod.name': pod } });

  it('is a dry run by default: kubectl reads the pod and changes nothing', async () => {
    api.addPod('prod', 'web');
    const outcome = await attemptDelivery({ output: output(), policy: policy({ timeoutMs: 20_000 }) }, [podAlert('prod', 'web')], 1);
    expect(outcome.delivered).toHaveLength(1);
    expect(api.pods.get('prod/web')!.metadata.labels).toEqual({ app: 'web' });
    expect(api.requests.some((r) => r.method === 'PATCH')).toBe(false);
  });

  it('labels the pod with --apply', async () => {
    api.addPod('prod', 'api');
    const outcome = await attemptDelivery({ output: output(['--apply']), policy: policy({ timeoutMs: 20_000 }) }, [podAlert('prod', 'api')], 1);
    expect(outcome.delivered).toHaveLength(1);
    expect(api.pods.get('prod/api')!.metadata.labels).toEqual({ app: 'api', 'saker.io/quarantine': 'true' });
  });

  it('refuses names that are not Kubernetes names, dead-letters a missing pod, retries an unreachable API', async () => {
    const bad = await attemptDelivery({ output: output(['--apply']), policy: policy({ timeoutMs: 20_000 }) }, [podAlert('prod', '--all')], 1);
    expect(bad.dead[0]?.error).toMatch(/exited with code 64: refusing pod name '--all'/);
    const gone = await attemptDelivery({ output: output(['--apply']), policy: policy({ timeoutMs: 20_000 }) }, [podAlert('prod', 'gone')], 1);
    expect(gone.dead[0]?.error).toMatch(/exited with code 1: .*NotFound/);
    const closed = await KubeApiServerPeer.start();
    const closedDir = mkdtempSync(join(dir, 'closed-'));
    const nowhere = closed.kubeconfig(closedDir);
    await closed.close();
    const down = build(script, {
      command: [join(examples, 'label-pod.sh')],
      envfields: ['k8s.ns.name', 'k8s.pod.name'],
      env: { KUBECONFIG: nowhere },
      passenv: ['PATH', 'HOME'],
    });
    const unreachable = await attemptDelivery({ output: down, policy: policy({ timeoutMs: 20_000 }) }, [podAlert('prod', 'web')], 1);
    expect(unreachable.retry?.error).toMatch(/asked for a retry \(exit code 75\)/);
  });

  it('does nothing for an alert that names no pod', async () => {
    const outcome = await attemptDelivery({ output: output(), policy: policy() }, [makeAlert({ output_fields: {} })], 1);
    expect(outcome.delivered).toHaveLength(1);
  });
});
