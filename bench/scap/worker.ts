// One measured replay, in its own process so that its peak RSS is its own:
//   node dist/bench/scap/worker.js <min-events> <rules.yaml | -> <capture>...
// replays the captures back to back (again and again) until at least <min-events> events went through the
// reader and the state, then through every rule of the rules file (or, with `-`, through the extraction of
// the fields rules read most), and prints {events, blocks (event blocks read), alerts, seconds, cpuSeconds, maxRssMb} as JSON.

import { Engine } from '../../src/engine/engine.js';
import type { Extractor } from '../../src/engine/source.js';
import type { ScapEvent } from '../../capture/scap/event.js';
import { SYSCALL_EXTRACTORS } from '../../capture/scap/fields/index.js';
import { ScapReader, openCaptureStream } from '../../capture/scap/reader.js';
import { syscallSource } from '../../capture/scap/source.js';

const FIELDS = ['evt.type', 'proc.name', 'proc.cmdline', 'proc.pname', 'user.name', 'fd.name', 'fd.typechar', 'container.id'];

async function main(): Promise<void> {
  const [minArg, rules, ...files] = process.argv.slice(2);
  const min = Number(minArg);
  if (!Number.isFinite(min) || rules === undefined || files.length === 0) {
    throw new Error('usage: worker <min-events> <rules.yaml|-> <capture>...');
  }
  let handle: (ev: ScapEvent) => void;
  /** With rules: the event types some rule can match (the others are only counted, as `saker replay` does). */
  let wants: ((type: string) => boolean) | undefined;
  let alerts = 0;
  if (rules === '-') {
    const ex: Array<Extractor<ScapEvent>> = FIELDS.map((f) => SYSCALL_EXTRACTORS[f]!(undefined));
    handle = (ev) => {
      for (const e of ex) if (e(ev) !== undefined) alerts += 0;
    };
  } else {
    const engine = new Engine({ sources: [syscallSource()], match: 'first' });
    const loaded = engine.loadFiles([rules]);
    const errors = loaded.flatMap((r) => r.errors);
    if (errors.length > 0) throw new Error(`${rules}: ${JSON.stringify(errors[0])}`);
    handle = (ev) => {
      alerts += engine.evaluate('syscall', ev).length;
    };
    wants = (type) => engine.canMatch('syscall', type);
  }
  let events = 0;
  let blocks = 0;
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  do {
    for (const f of files) {
      const reader = new ScapReader({ reuseEvents: true, ...(wants !== undefined ? { wants } : {}) });
      await reader.run(await openCaptureStream(f), handle);
      events += reader.stats.events;
      blocks += reader.stats.eventBlocks;
    }
  } while (events < min);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ events, blocks, alerts, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb }) + '\n');
}

await main();
