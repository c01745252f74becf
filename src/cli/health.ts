// `saker health`: the container health check. Asks the local saker's /healthz where the configuration says it
// listens (listenport, TLS, tlsserver.notlspaths/notlsport), so that the Dockerfile's and docker-compose's
// HEALTHCHECK follow LISTENPORT and TLS instead of hard-coding http://127.0.0.1:2801.

import { Option, type Command } from 'commander';
import { readConfig, sectionValues } from '../config/loader.js';
import { allSections } from '../config/sections.js';
import { ApiError, callApi, serverUrl, type ApiOptions } from './api-client.js';
import { configFileToUse } from './run.js';

interface HealthFlags {
  config?: string;
  url?: string;
  cacert?: string;
  cert?: string;
  key?: string;
  timeout: number;
}

/** Where this host reaches saker's /healthz, and whether that needs a client certificate. */
export function healthTarget(flags: Pick<HealthFlags, 'config'>, env: NodeJS.ProcessEnv): { url: string; tls: boolean; mutual: boolean } {
  // A configuration saker would refuse still says where a running saker listens; problems are run's business.
  const config = readConfig({ file: configFileToUse(flags.config), env, sections: allSections() });
  const top = sectionValues(config, '');
  const tls = sectionValues(config, 'tlsserver');
  const address = top['listenaddress'] as string;
  const host = ['', '0.0.0.0', '::'].includes(address) ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address;
  if (tls['deploy'] !== true) return { url: `http://${host}:${top['listenport'] as number}/healthz`, tls: false, mutual: false };
  if ((tls['notlspaths'] as string[]).includes('/healthz')) {
    return { url: `http://${host}:${tls['notlsport'] as number}/healthz`, tls: false, mutual: false };
  }
  return { url: `https://${host}:${top['listenport'] as number}/healthz`, tls: true, mutual: tls['mutualtls'] === true };
}

function positive(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`saker health: --timeout: expected milliseconds, got '${text}'\n`);
    process.exit(2);
  }
  return n;
}

async function health(flags: HealthFlags): Promise<void> {
  const target = flags.url ? { url: flags.url, tls: flags.url.startsWith('https:'), mutual: false } : healthTarget(flags, process.env);
  if (target.mutual && !(flags.cert && flags.key)) {
    process.stderr.write(
      `saker health: tlsserver.mutualtls is on and /healthz is not in tlsserver.notlspaths: add it (TLSSERVER_NOTLSPATHS=/healthz serves it over plain HTTP on tlsserver.notlsport), or give --cert and --key\n`,
    );
    process.exit(1);
  }
  const url = new URL(target.url);
  const options: ApiOptions = {
    url: url.origin,
    cacert: flags.cacert,
    cert: flags.cert,
    key: flags.key,
    // saker's certificate names the service, not 127.0.0.1: this checks that saker answers, not who it is.
    insecure: target.tls && !flags.cacert,
    timeoutMs: flags.timeout,
  };
  try {
    const answer = await callApi(options, 'GET', `${url.pathname}${url.search}`);
    process.stdout.write(`healthy: ${JSON.stringify(answer)} (${target.url})\n`);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    process.stderr.write(`saker health: unhealthy: ${err.message}\n`);
    process.exitCode = 1;
  }
}

export function registerHealth(program: Command): void {
  program
    .command('health')
    .description("check the local saker's GET /healthz (the container health check): exit 0 when healthy, 1 otherwise")
    .addOption(new Option('-c, --config <file>', 'the configuration saker runs with (default: ./config.yaml when it exists)').env('SAKER_CONFIG'))
    .addOption(new Option('--url <url>', 'check this URL instead of the one the configuration gives').argParser(serverUrl))
    .option('--timeout <ms>', 'give up after this many milliseconds', positive, 2500)
    .option('--cacert <file>', "verify saker's certificate with this CA (default over TLS: not verified, the check is of this host)")
    .option('--cert <file>', 'client certificate, for tlsserver.mutualtls without /healthz in tlsserver.notlspaths')
    .option('--key <file>', "the client certificate's key")
    .addHelpText(
      'after',
      `
The URL comes from the configuration, read as \`saker run\` reads it (the file, then the environment):
http://127.0.0.1:LISTENPORT/healthz; with TLSSERVER_DEPLOY=true, https://…, or http://127.0.0.1:
TLSSERVER_NOTLSPORT/healthz when /healthz is in TLSSERVER_NOTLSPATHS (the way for mutual TLS).
LISTENADDRESS is used when saker listens on one address only. /healthz needs no token.`,
    )
    .action(health);
}
