// One measured replay, in its own process so that its peak RSS is its own:
//   node dist/bench/scap/worker.js <min-events> <capture>...
// replays the captures back to back (again and again) until at least <min-events> events went through the
// reader, the state and the field extraction, then prints {events, seconds, maxRssMb} as JSON.

import { SYSCALL_EXTRACTORS } from '../../capture/scap/fields/index.js';
import { ScapReader, openCaptureStream } from '../../capture/scap/reader.js';
import type { ScapEvent } from '../../capture/scap/event.js';
import type { Extractor } from '../../src/engine/source.js';

/** Fields Falco's rules and outputs read on most events: what a rule evaluation costs at least. */
const FIELDS = ['evt.type', 'evt.dir', 'proc.name', 'proc.cmdline', 'proc.pname', 'user.name', 'fd.name', 'fd.typechar', 'container.id'];

async function main(): Promise<void> {
  const [minArg, ...files] = process.argv.slice(2);
  const min = Number(minArg);
  if (!Number.isFinite(min) || files.length === 0) throw new Error('usage: worker <min-events> <capture>...');
  const ex: Array<Extractor<ScapEvent>> = FIELDS.map((f) => SYSCALL_EXTRACTORS[f]!(undefined));
  let events = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  do {
    for (const f of files) {
      const reader = new ScapReader();
      await reader.run(await openCaptureStream(f), (ev) => {
        events++;
        for (const e of ex) if (e(ev) !== undefined) sink++;
      });
    }
  } while (events < min);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ events, seconds, maxRssMb, sink }) + '\n');
}

await main();
