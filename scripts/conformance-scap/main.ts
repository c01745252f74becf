// npm run conformance:scap — saker's .scap reader against Debian's sysdig 0.29 on the shared corpus:
// the fields the issue names event by event, then (with the engine) Falco rule conditions. Prints a table;
// exits 1 only on disagreements no known difference explains (see differences.ts), 2 when it cannot run.

import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIFFERENCES } from './differences.js';
import { compareFields, type FieldReport } from './fields.js';
import { sysdigAvailable } from './sysdig.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const corpus = resolve(process.env.SAKER_CORPUS ?? join(root, '..', 'shared', 'corpus'));
const scapDir = join(corpus, 'scap');

async function main(): Promise<number> {
  if (!existsSync(scapDir)) {
    console.error(`conformance:scap: no captures at ${scapDir} (set SAKER_CORPUS)`);
    return 2;
  }
  const version = await sysdigAvailable();
  if (version === null) {
    console.error('conformance:scap: sysdig is not installed (apt-get install -y --no-install-recommends sysdig)');
    return 2;
  }
  const files = readdirSync(scapDir)
    .filter((f) => f.endsWith('.scap'))
    .sort()
    .map((f) => join(scapDir, f));
  console.log(`saker vs ${version}, ${files.length} captures in ${scapDir}\n`);

  const reports: FieldReport[] = [];
  for (const f of files) reports.push(await compareFields(f));

  console.log('| capture | sysdig events | saker events | compared | field checks | agree | explained | unexplained |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const totals = { sys: 0, saker: 0, compared: 0, checks: 0, agree: 0, explained: 0, unexplained: 0 };
  const byReason = new Map<string, number>();
  for (const r of reports) {
    const explained = [...r.explained.values()].reduce((a, b) => a + b, 0);
    for (const [id, n] of r.explained) byReason.set(id, (byReason.get(id) ?? 0) + n);
    const sys = r.sysdigError !== undefined ? `(cannot read)` : String(r.sysdigEvents);
    console.log(
      `| ${r.capture} | ${sys} | ${r.sakerEvents} | ${r.compared} | ${r.checks} | ${r.agree} | ${explained} | ${r.unexplained.length} |`,
    );
    totals.sys += r.sysdigEvents;
    totals.saker += r.sakerEvents;
    totals.compared += r.compared;
    totals.checks += r.checks;
    totals.agree += r.agree;
    totals.explained += explained;
    totals.unexplained += r.unexplained.length;
  }
  console.log(
    `| **total** | ${totals.sys} | ${totals.saker} | ${totals.compared} | ${totals.checks} | ${totals.agree} | ${totals.explained} | ${totals.unexplained} |`,
  );

  console.log('\nExplained differences (current Falco vs sysdig 0.29, and sysdig limits):\n');
  console.log('| difference | count | reason |');
  console.log('|---|---:|---|');
  for (const d of Object.values(DIFFERENCES)) {
    const n = byReason.get(d.id);
    if (n !== undefined) console.log(`| ${d.id} | ${n} | ${d.reason} |`);
  }
  const unexplained = reports.flatMap((r) => r.unexplained);
  if (unexplained.length > 0) {
    console.log(`\n${unexplained.length} unexplained disagreements (first 40):`);
    for (const u of unexplained.slice(0, 40)) console.log('  ' + u);
    return 1;
  }
  console.log('\nNo unexplained disagreements.');
  return 0;
}

process.exitCode = await main();
