// The client libraries of Slack, PagerDuty, email and Elasticsearch are loaded only when their output is
// enabled. Proven on the built saker (dist/, as `npm start` runs it) in child processes preloaded with an ESM
// resolve hook (module.register) that appends every module URL the process resolves to a file: which packages
// were loaded is then a fact read from that file, not a guess from memory figures. The enabled-outputs case is
// the control: it shows that the hook does see these packages when they load.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SakerProcess } from '../helpers/saker-process.js';

const LIBRARIES = ['@slack/web-api', '@pagerduty/pdjs', 'nodemailer', '@elastic/elasticsearch'];
const REGISTRY = new URL('../../dist/outputs/registry.js', import.meta.url).href;

const dir = mkdtempSync(join(tmpdir(), 'saker-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Runs on the loader thread: the file is written before the import that asked for the module goes on.
writeFileSync(
  join(dir, 'hooks.mjs'),
  `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(log, resolved.url + '\\n');
  return resolved;
}
`,
);
writeFileSync(
  join(dir, 'register.mjs'),
  `import { register } from 'node:module';
register('./hooks.mjs', import.meta.url, { data: { log: process.env.RESOLVED_LOG } });
`,
);
const PRELOAD = pathToFileURL(join(dir, 'register.mjs')).href;
let logs = 0;

/** A fresh file for one process to log its resolved modules into, and a reader of the libraries among them. */
function resolvedLog(): { file: string; libraries: () => string[] } {
  const file = join(dir, `resolved-${++logs}.log`);
  writeFileSync(file, '');
  return {
    file,
    libraries: () => {
      const urls = readFileSync(file, 'utf8');
      return LIBRARIES.filter((name) => urls.includes(`/node_modules/${name}/`));
    },
  };
}

describe('output client libraries load only when their output is enabled', () => {
  it('importing the registry of every output loads none of them', async () => {
    const log = resolvedLog();
    const script = `const { OUTPUT_MODULES } = await import(${JSON.stringify(REGISTRY)}); console.log(OUTPUT_MODULES.map((m) => m.type).join(','));`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', PRELOAD, '--input-type=module', '-e', script],
        { env: { PATH: process.env['PATH'] ?? '', RESOLVED_LOG: log.file } },
        (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)),
      );
    });
    expect(stdout.trim().split(',')).toEqual(expect.arrayContaining(['slack', 'pagerduty', 'smtp', 'elasticsearch']));
    expect(readFileSync(log.file, 'utf8')).toContain('/dist/outputs/slack.js');
    expect(log.libraries()).toEqual([]);
  });

  it('saker run with stdout and a Slack webhook loads none of them (a webhook needs no Slack SDK)', async () => {
    const log = resolvedLog();
    const saker = await SakerProcess.start({
      NODE_OPTIONS: `--import=${PRELOAD}`,
      RESOLVED_LOG: log.file,
      STDOUT_ENABLED: 'true',
      SLACK_WEBHOOKURL: 'http://127.0.0.1:9/services/T/B/x',
    });
    try {
      expect((await saker.waitForLog(/^saker listening on/, 0)).outputs).toEqual(['stdout', 'slack']);
      expect(log.libraries()).toEqual([]);
    } finally {
      await saker.stop();
    }
  });

  it('saker run loads each library when its output is enabled, before it listens', async () => {
    const log = resolvedLog();
    // Nothing is sent, and none of these clients connects before its first alert: the addresses need not answer.
    const saker = await SakerProcess.start({
      NODE_OPTIONS: `--import=${PRELOAD}`,
      RESOLVED_LOG: log.file,
      SLACK_TOKEN: 'xoxb-test',
      SLACK_CHANNEL: '#security',
      SLACK_APIURL: 'http://127.0.0.1:9/api/',
      PAGERDUTY_ROUTINGKEY: 'test-routing-key',
      SMTP_HOSTPORT: '127.0.0.1:9',
      SMTP_FROM: 'saker@example.com',
      SMTP_TO: 'secops@example.com',
      ELASTICSEARCH_HOSTPORT: 'http://127.0.0.1:9',
    });
    try {
      expect(log.libraries()).toEqual(LIBRARIES);
    } finally {
      await saker.stop();
    }
  });
});
