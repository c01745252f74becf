// Client TLS for outputs that talk to a server over TLS: Falcosidekick's per-output `mutualtls` and
// `checkcert` keys, with the global `mutualtlsclient.*` and `tlsclient.cacertfile` files from the context.

import { readFileSync } from 'node:fs';
import { rootCertificates, type ConnectionOptions } from 'node:tls';
import type { ConfigKey, OutputConfig, OutputContext } from './output.js';

/** Add these to an output's keys to give it Falcosidekick's client TLS settings. */
export const CLIENT_TLS_KEYS: readonly ConfigKey[] = [
  { name: 'mutualtls', type: 'bool', default: false, doc: 'Present the client certificate of `mutualtlsclient.certfile`/`keyfile` (mutual TLS)' },
  { name: 'checkcert', type: 'bool', default: true, doc: "Verify the server's TLS certificate (turn off only for testing)" },
];

function read(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${key}: cannot read '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/**
 * Node TLS options for `section`'s connections. Reads the files now, so that a missing file stops start-up
 * with the key's name. The system's CAs stay trusted when extra CAs are configured.
 */
export function clientTlsOptions(section: string, config: OutputConfig, ctx: OutputContext): ConnectionOptions {
  const files = ctx.clientTls ?? { certFile: '', keyFile: '', mutualCaCertFile: '', caCertFile: '' };
  const options: ConnectionOptions = { rejectUnauthorized: config['checkcert'] !== false };
  const extraCas: Buffer[] = [];
  if (files.caCertFile) extraCas.push(read(files.caCertFile, 'tlsclient.cacertfile'));
  if (config['mutualtls'] === true) {
    if (!files.certFile || !files.keyFile) {
      throw new Error(`${section}.mutualtls: needs mutualtlsclient.certfile and mutualtlsclient.keyfile`);
    }
    options.cert = read(files.certFile, 'mutualtlsclient.certfile');
    options.key = read(files.keyFile, 'mutualtlsclient.keyfile');
    if (files.mutualCaCertFile) extraCas.push(read(files.mutualCaCertFile, 'mutualtlsclient.cacertfile'));
  }
  if (extraCas.length > 0) options.ca = [...rootCertificates, ...extraCas.map((b) => b.toString('utf8'))];
  return options;
}
