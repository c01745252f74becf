// The peers of `npm run bench:outputs`, in a process of their own so that their work does not count against
// the outputs being measured: the Elasticsearch peer of the tests (not keeping documents), and a webhook
// receiver that counts the alerts of each JSON body. Driven by IPC from bench/outputs.ts.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ElasticsearchPeer } from '../test/peers/elasticsearch.js';

export type PeerRequest = { start: 'elasticsearch' | 'webhook' } | { count: true };
/** `cpuMs`: the peer process's CPU time so far, to tell whose cost a figure is. */
export type PeerReply = { url: string } | { count: number; cpuMs: number };

let count = (): number => 0;

async function startWebhookSink(): Promise<string> {
  let alerts = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      alerts += Array.isArray(body) ? body.length : 1;
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  count = () => alerts;
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
}

process.on('message', (message: PeerRequest) => {
  void (async () => {
    if ('count' in message) {
      const cpu = process.cpuUsage();
      return process.send!({ count: count(), cpuMs: (cpu.user + cpu.system) / 1000 } satisfies PeerReply);
    }
    if (message.start === 'elasticsearch') {
      const peer = await ElasticsearchPeer.start({ store: false });
      count = () => peer.documents;
      process.send!({ url: peer.url } satisfies PeerReply);
    } else {
      process.send!({ url: await startWebhookSink() } satisfies PeerReply);
    }
  })();
});
process.on('disconnect', () => process.exit(0));
