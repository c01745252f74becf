// npm run conformance:scap — saker's .scap reader against Debian's sysdig 0.29 on the shared corpus:
// the fields the issue names event by event, then (with the engine) Falco rule conditions. Prints a table;
// exits 1 only on disagreements no known difference explains (see differences.ts), 2 when it cannot run.
// SCAP_CONFORMANCE_ONLY=name,… limits it to the captures whose names contain one of these.

import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIFFERENCES } from './differences.js';
import { acceptedBySysdig, compareConditions, loadConditions, type Condition, type ConditionReport } from './conditions.js';
import { compareFields, type FieldReport } from './fields.js';
import { sysdigAvailable } from './sysdig.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const corpus = resolve(process.env.SAKER_CORPUS ?? join(root, '..', 'shared', 'corpus'));
const scapDir = join(corpus, 'scap');
/** Rule files whose conditions are compared: the 1.0.1 rules the issue names, and the current ones. */
const RULE_FILES = ['falco_rules-1.0.1.yaml', 'falco_rules.yaml'];
/** SCAP_CONFORMANCE_ONLY=a,b: only the captures whose names contain one of these (for a quick look). */
const only = (process.env.SCAP_CONFORMANCE_ONLY ?? '').split(',').filter((s) => s !== '');

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
    .filter((f) => f.endsWith('.scap') && (only.length === 0 || only.some((o) => f.includes(o))))
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
  // Conditions: the macros and rules of the rule files, as sysdig and saker evaluate them.
  const rulesDir = join(corpus, 'rules', 'upstream');
  const conditions: Condition[] = [];
  const texts = new Set<string>();
  for (const name of RULE_FILES) {
    for (const c of loadConditions(join(rulesDir, name))) {
      if (texts.has(c.text)) continue;
      texts.add(c.text);
      conditions.push({ ...c, label: `${name}: ${c.label}` });
    }
  }
  const readable = reports.filter((r) => r.sysdigError === undefined).map((r) => join(scapDir, r.capture));
  const { ok, rejected } = await acceptedBySysdig(conditions, join(scapDir, 'falco_empty.scap'));
  console.log(
    `\nConditions: ${conditions.length} distinct macro and rule conditions of ${RULE_FILES.join(', ')}; ` +
      `sysdig 0.29 accepts ${ok.length}, rejects ${rejected.length} (fields, operators or event names it does not know).\n`,
  );
  if (rejected.length > 0) {
    // Group sysdig's complaints (its own limits, not disagreements), with one condition of each as example.
    const groups = new Map<string, { n: number; example: string }>();
    for (const r of rejected) {
      const g = groups.get(r.message) ?? { n: 0, example: r.condition.label };
      g.n++;
      groups.set(r.message, g);
    }
    console.log('| sysdig 0.29 rejects | conditions | e.g. |');
    console.log('|---|---:|---|');
    for (const [message, g] of [...groups].sort((a, b) => b[1].n - a[1].n)) {
      console.log(`| ${message.replaceAll('|', '\\|')} | ${g.n} | ${g.example.replaceAll('|', '\\|')} |`);
    }
    console.log('');
  }
  const condReports: ConditionReport[] = [];
  for (const f of readable) condReports.push(await compareConditions(f, ok));
  console.log('| capture | conditions | event checks | agree | explained | unexplained |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const ct = { checks: 0, agree: 0, explained: 0, unexplained: 0 };
  const condReasons = new Map<string, number>();
  for (const r of condReports) {
    const explained = [...r.explained.values()].reduce((a, b) => a + b, 0);
    for (const [id, n] of r.explained) condReasons.set(id, (condReasons.get(id) ?? 0) + n);
    console.log(`| ${r.capture} | ${r.conditions} | ${r.checks} | ${r.agree} | ${explained} | ${r.unexplained.length} |`);
    ct.checks += r.checks;
    ct.agree += r.agree;
    ct.explained += explained;
    ct.unexplained += r.unexplained.length;
  }
  console.log(`| **total** | ${ok.length} | ${ct.checks} | ${ct.agree} | ${ct.explained} | ${ct.unexplained} |`);
  if (condReasons.size > 0) {
    console.log('\n| difference (conditions) | count |');
    console.log('|---|---:|');
    for (const [id, n] of condReasons) console.log(`| ${id} | ${n} |`);
  }

  const unexplained = [...reports.flatMap((r) => r.unexplained), ...condReports.flatMap((r) => r.unexplained)];
  if (unexplained.length > 0) {
    console.log(`\n${unexplained.length} unexplained disagreements (first 40):`);
    for (const u of unexplained.slice(0, 40)) console.log('  ' + u);
    return 1;
  }
  console.log('\nNo unexplained disagreements.');
  return 0;
}

process.exitCode = await main();
