// Reads a .scap capture (gzip or plain) as a stream: metadata blocks load the state, event blocks become
// events that go through the converter and the state parsers, one at a time, to the consumer. Memory stays
// flat whatever the capture's length: only the current chunk, the state (with the metadata blocks' bytes,
// which its process- and fd-list entries are decoded from when first used) and one stored enter event per
// thread are kept.

import { BlockSplitter, ScapError } from './blocks.js';
import { Converter, Plan } from './converter.js';
import { ScapEvent, readI64, readU16, readU32 } from './event.js';
import { scanFdList } from './fdlist.js';
import { BLOCK, parseInterfaces, parseMachineInfo, parseSectionHeader, parseUsers } from './metadata.js';
import { type ProcessEntry, parseProcessList, processListVersion } from './proclist.js';
import { SCAP_MAGIC, openCaptureStream } from './open.js';
import type { CaptureChunks } from '../files/file-chunks.js';
import { EventParser } from './state/parse.js';
import { CaptureState } from './state/state.js';
import { EF, EVENT_TABLE, PPM_EVENT_MAX } from './tables/events.js';
import { unknownEventProblem } from './unknown-event.js';
import { WantedEvents } from './wanted.js';

export { ScapError } from './blocks.js';
export { SCAP_MAGIC, openCaptureStream } from './open.js';

const EMPTY = Buffer.alloc(0);

/** Counters a replay reports. */
export interface ScapStats {
  blocks: number;
  /** Event blocks read from the file. */
  eventBlocks: number;
  /** Events delivered (after the converter dropped the enter events it folds into exits). */
  events: number;
  /** Well-formed event blocks whose type this reader does not know (newer producers), skipped. */
  unknownEvents: number;
  /** Metadata blocks of an unknown type, skipped. */
  unknownBlocks: number;
  sections: number;
  /** Uncompressed bytes read. */
  bytes: number;
  /** Layout version of the last process-list block (1…9; 0 when none). */
  processListVersion: number;
  /** Exit events whose stored enter event belonged to another syscall (events lost in the capture). */
  mismatchedEnters: number;
  /** Of `events`, those not handed over (types the consumer does not want, see ScapReaderOptions.wants). */
  skippedEvents: number;
}

export type EventSink = (ev: ScapEvent) => void | Promise<void>;

export interface ScapReaderOptions {
  /**
   * Hand every event in the same object (less garbage on long captures). Consumers must then be done with
   * an event when they ask for the next one — as the state requires anyway.
   */
  reuseEvents?: boolean;
  /**
   * Whether the consumer wants events of a type (by `evt.type` name, generic events by their syscall's;
   * e.g. "some rule can match it"). Events of unwanted types are then counted (`stats.skippedEvents`, and
   * in `evt.num` and `evt.deltatime` of the events after them) but not handed over: those that do not touch
   * the state (procinfo, and the other types libsinsp's parser skips) are not even built (their header is
   * all that is read); the others change the state as usual first. Default: all wanted.
   */
  wants?: (typeName: string) => boolean;
}

/**
 * One pass over a capture. `run` drives the stream; the sink sees every event after the state has taken
 * it into account and before the next event changes it again.
 */
export class ScapReader {
  readonly state = new CaptureState();
  readonly stats: ScapStats = {
    blocks: 0,
    eventBlocks: 0,
    events: 0,
    unknownEvents: 0,
    unknownBlocks: 0,
    sections: 0,
    bytes: 0,
    processListVersion: 0,
    mismatchedEnters: 0,
    skippedEvents: 0,
  };
  /** Per event type: 1 when its events are counted but neither built nor handed over (ScapReaderOptions.wants). */
  private readonly skip = new Uint8Array(PPM_EVENT_MAX);
  /** The consumer's choice of events (ScapReaderOptions.wants); null: it wants them all. */
  private readonly wanted: WantedEvents | null;
  private readonly converter: Converter;
  private readonly parser = new EventParser(this.state);
  private readonly loadProcess = (p: ProcessEntry): void => this.state.loadProcess(p);
  private readonly splitter = new BlockSplitter();
  /** The event-block type eventBlock() reads (-1 before the first one), and what it implies (setEventBlockType). */
  private evBlockType = -1;
  private evLarge = false;
  private evV2 = false;
  /** Bytes of flags between the cpu number and the event header (4 in EVF blocks, else 0). */
  private evFlagsLen = 0;
  /** The chunk being read, and whether a block other than an event block was read since it came. */
  private lastChunk: Buffer | null = null;
  private chunkHeldMetadata = false;
  /** Events have been read in this section: only event blocks (or a new section) may follow. */
  private inEvents = false;
  private sawSection = false;
  private prevLo = 0;
  private prevHi = 0;
  /** With `reuseEvents`, the one object every unconverted event is read into. */
  private readonly scratch: ScapEvent | null;

  /**
   * `reuseEvents`: hand every event in the same object (less garbage on long captures). Consumers must then
   * be done with an event when they ask for the next one — as the state requires anyway.
   */
  constructor(options: ScapReaderOptions = {}) {
    this.scratch = options.reuseEvents === true ? new ScapEvent(EMPTY, 0, 0, 0, 0, 2, 0, 0) : null;
    this.converter = new Converter(options.reuseEvents === true);
    const wants = options.wants;
    this.wanted = wants !== undefined ? new WantedEvents(wants) : null;
    if (this.wanted !== null) {
      for (let type = 0; type < PPM_EVENT_MAX; type++) {
        const info = EVENT_TABLE[type]!;
        if ((info.flags & EF.EF_SKIPPARSERESET) !== 0 && !this.wanted.type(type)) this.skip[type] = 1;
      }
    }
  }

  /** Reads a file (gzip or plain) to the end, calling `sink` for each event. */
  static async readFile(path: string, sink: EventSink): Promise<ScapReader> {
    const reader = new ScapReader();
    await reader.run(await openCaptureStream(path), sink);
    return reader;
  }

  /**
   * Reads `source` to its end. Its chunks must not change once handed over (as Node's file and zlib streams
   * guarantee): the state's process and fd lists are decoded from them when first used. A source that can
   * `recycle` chunks (CaptureChunks) gets back, with `reuseEvents`, each chunk that held only event blocks
   * once the reader has moved to the next one (nothing points into it any more).
   */
  async run(source: AsyncIterable<Uint8Array> | CaptureChunks, sink: EventSink): Promise<void> {
    try {
      for await (const chunk of source) {
        this.feed(chunk, source);
        for (let ev = this.nextEvent(); ev !== null; ev = this.nextEvent()) {
          const r = sink(ev);
          if (r !== undefined) await r;
        }
      }
    } catch (err) {
      throw this.inputError(err);
    }
    this.end();
  }

  /**
   * The same pass as an async iterable: each event is valid until the next one is asked for (the state
   * moves on, and the event's bytes may be reused).
   */
  async *events(source: AsyncIterable<Uint8Array> | CaptureChunks): AsyncGenerator<ScapEvent, void, undefined> {
    try {
      for await (const chunk of source) {
        this.feed(chunk, source);
        for (let ev = this.nextEvent(); ev !== null; ev = this.nextEvent()) yield ev;
      }
    } catch (err) {
      throw this.inputError(err);
    }
    this.end();
  }

  private feed(chunk: Uint8Array, source: AsyncIterable<Uint8Array> | CaptureChunks): void {
    const sp = this.splitter;
    this.converter.keepBorrowed();
    this.stats.bytes += chunk.length;
    sp.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    // The previous chunk: the stored enter events that pointed into it were just copied, and the splitter
    // copied what was left of it (a block it did not complete). Events handed over from it are done with
    // (reuseEvents), and metadata blocks (whose bytes the state decodes later) pin their chunk.
    const prev = this.lastChunk;
    if (prev !== null && !this.chunkHeldMetadata && this.scratch !== null && 'recycle' in source && source.recycle !== undefined) {
      source.recycle(prev);
    }
    this.lastChunk = Buffer.isBuffer(chunk) ? chunk : null;
    this.chunkHeldMetadata = false;
    if (!this.sawSection && sp.offset === 0) sp.expectMagic(SCAP_MAGIC);
  }

  private nextEvent(): ScapEvent | null {
    const sp = this.splitter;
    while (sp.next()) {
      // Event blocks of the type of the last one (nearly all blocks) go straight to eventBlock.
      let ev: ScapEvent | null;
      if (sp.blockType === this.evBlockType) {
        this.stats.blocks++;
        ev = this.eventBlock();
      } else {
        ev = this.block();
      }
      if (ev !== null) return ev;
    }
    return null;
  }

  /** Stream errors (a truncated gzip member, an unreadable file) say where the data stopped. */
  private inputError(err: unknown): ScapError {
    if (err instanceof ScapError) return err;
    const msg = err instanceof Error ? err.message : String(err);
    return new ScapError(`input error: ${msg}`, this.splitter.offset);
  }

  private end(): void {
    const sp = this.splitter;
    sp.finish();
    if (!this.sawSection) throw new ScapError('empty input: not a scap capture', 0);
    if (!this.inEvents) throw new ScapError('no events in file', sp.offset);
  }

  /** Handles the splitter's current block; returns the event to deliver, if any. */
  private block(): ScapEvent | null {
    const sp = this.splitter;
    const type = sp.blockType;
    const { buf, bodyStart, bodyEnd, blockOffset } = sp;
    this.stats.blocks++;
    if (!this.sawSection && type !== BLOCK.SHB) {
      throw new ScapError(
        `not a scap capture: first block type is 0x${type.toString(16)}, expected a section header`,
        blockOffset,
      );
    }
    switch (type) {
      case BLOCK.EV:
      case BLOCK.EV_INT:
      case BLOCK.EVF:
      case BLOCK.EV_V2:
      case BLOCK.EVF_V2:
      case BLOCK.EV_V2_LARGE:
      case BLOCK.EVF_V2_LARGE:
        this.setEventBlockType(type);
        return this.eventBlock();
    }
    this.chunkHeldMetadata = true;
    if (type === BLOCK.SHB) {
      parseSectionHeader(buf, bodyStart, bodyEnd, blockOffset - bodyStart + 8);
      if (this.inEvents || this.sawSection) {
        this.state.reset();
        this.converter.reset();
        this.parser.reset();
      }
      this.sawSection = true;
      this.inEvents = false;
      this.stats.sections++;
      return null;
    }
    if (this.inEvents) {
      throw new ScapError(
        `unexpected block type 0x${type.toString(16)} after events (only event blocks or a new section may follow)`,
        blockOffset,
      );
    }
    if (sp.trailer() !== bodyEnd - bodyStart + 12) {
      throw new ScapError(`block trailer ${sp.trailer()} does not match its length`, blockOffset);
    }
    const base = blockOffset - (bodyStart - 8);
    const plv = processListVersion(type);
    if (plv > 0) {
      this.stats.processListVersion = plv;
      parseProcessList(buf, bodyStart, bodyEnd, base, plv, this.loadProcess);
      return null;
    }
    switch (type) {
      case BLOCK.MI:
      case BLOCK.MI_INT:
        this.state.machine = parseMachineInfo(buf, bodyStart, bodyEnd, base);
        return null;
      case BLOCK.IL:
      case BLOCK.IL_INT:
      case BLOCK.IL_V2:
        this.state.interfaces.push(...parseInterfaces(buf, bodyStart, bodyEnd, base, type === BLOCK.IL_V2));
        return null;
      case BLOCK.UL:
      case BLOCK.UL_INT:
      case BLOCK.UL_V2: {
        const { users, groups } = parseUsers(buf, bodyStart, bodyEnd, base, type === BLOCK.UL_V2);
        this.state.loadUsers(users, groups);
        return null;
      }
      case BLOCK.FDL:
      case BLOCK.FDL_INT:
      case BLOCK.FDL_V2: {
        const list = { buf, start: bodyStart, end: bodyEnd, base, v2: type === BLOCK.FDL_V2 };
        const { tid, serverPorts } = scanFdList(list);
        this.state.loadFds(tid, list, serverPorts);
        return null;
      }
      default:
        this.stats.unknownBlocks++;
        return null;
    }
  }

  private setEventBlockType(blockType: number): void {
    this.evBlockType = blockType;
    this.evLarge = blockType === BLOCK.EV_V2_LARGE || blockType === BLOCK.EVF_V2_LARGE;
    this.evV2 = blockType === BLOCK.EV_V2 || blockType === BLOCK.EVF_V2 || this.evLarge;
    this.evFlagsLen = blockType === BLOCK.EVF || blockType === BLOCK.EVF_V2 || blockType === BLOCK.EVF_V2_LARGE ? 4 : 0;
  }

  /** The splitter's current block, an event block of type evBlockType. */
  private eventBlock(): ScapEvent | null {
    const sp = this.splitter;
    const buf = sp.buf;
    const view = sp.view;
    const bodyStart = sp.bodyStart;
    const bodyEnd = sp.bodyEnd;
    const blockOffset = sp.blockOffset;
    this.stats.eventBlocks++;
    // Boolean fields are compared with `true`: TurboFan then tests one value instead of everything a field
    // of unknown type could hold (this runs for every block).
    if (this.inEvents !== true) {
      this.inEvents = true;
      this.state.finishMetadata();
    }
    const v2 = this.evV2 === true;
    if (this.evLarge !== true && bodyEnd - bodyStart + 4 > 65536) {
      throw new ScapError(`event block of ${bodyEnd - bodyStart + 12} bytes exceeds 64 KiB`, blockOffset);
    }
    const start = bodyStart + 2 + this.evFlagsLen;
    const headerLen = v2 ? 26 : 22;
    if (start + headerLen > bodyEnd) throw new ScapError('event block too short for its header', blockOffset);
    const cpu = view.getUint16(bodyStart, true);
    let len = view.getUint32(start + 16, true);
    const type = view.getUint16(start + 20, true);
    if (type >= PPM_EVENT_MAX) {
      const problem = unknownEventProblem(buf, start, bodyEnd, v2, len, type);
      if (problem !== undefined) throw new ScapError(`corrupt event block: ${problem}`, blockOffset);
      this.stats.unknownEvents++;
      return null;
    }
    const info = EVENT_TABLE[type]!;
    const lenSize = info.lenSize;
    let nparams: number;
    if (v2) {
      nparams = view.getUint32(start + 22, true);
      if (len < 26 || start + len > bodyEnd) {
        throw new ScapError(`${info.name} event length ${len} overruns its block`, blockOffset);
      }
      if (26 + nparams * lenSize > len) {
        throw new ScapError(`${info.name} event: ${nparams} parameter lengths overrun the event`, blockOffset);
      }
    } else {
      // v1 events do not store nparams: find the count whose lengths add up to the event length.
      if (type === 280 || type === 286) len -= 3;
      if (start + len > bodyEnd) throw new ScapError(`${info.name} event length ${len} overruns its block`, blockOffset);
      nparams = inferNparams(buf, start, len, info.params.length, lenSize, info.name, blockOffset);
    }
    const plan = this.converter.plan(type, nparams);
    if (plan === Plan.Pass && this.skip[type] === 1) {
      // Nobody wants it and it changes no state: checked, then only counted (evt.num and evt.deltatime of
      // the events after it).
      if (v2 && paramsEnd(buf, start + 26, nparams, lenSize) > start + len) {
        throw new ScapError(`${info.name} event parameters overrun the event`, blockOffset);
      }
      const n = ++this.stats.events;
      this.stats.skippedEvents++;
      if (n === 1) this.state.firstTs = buf.readBigUInt64LE(start);
      this.prevLo = view.getUint32(start, true);
      this.prevHi = view.getUint32(start + 4, true);
      return null;
    }
    if (plan === Plan.Store) {
      // An enter event its exit will need: pointed at by the thread's slot (no event built), and checked. The
      // check locates its parameters (layout) for the exit that reads them. Storing it before the check
      // changes nothing seen: a failed check ends the replay.
      const tid = view.getInt32(start + 12, true) * 0x1_0000_0000 + view.getUint32(start + 8, true);
      const stored = this.converter.storeBlock(tid, buf, start, type, nparams, start + headerLen, lenSize, cpu, blockOffset);
      if (v2 && stored.layoutIn(view) > start + len) {
        throw new ScapError(`${info.name} event parameters overrun the event`, blockOffset);
      }
      return null;
    }
    const ev =
      this.scratch !== null
        ? this.scratch.reinit(buf, start, type, nparams, start + headerLen, lenSize, cpu, blockOffset)
        : new ScapEvent(buf, start, type, nparams, start + headerLen, lenSize, cpu, blockOffset);
    ev.knowTid(view.getInt32(start + 12, true) * 0x1_0000_0000 + view.getUint32(start + 8, true));
    // v2: the parameters must fit in the event (v1 events were checked by inferNparams); the same pass
    // locates them for whoever reads them.
    if (v2 && ev.layoutIn(view) > start + len) {
      throw new ScapError(`${info.name} event parameters overrun the event`, blockOffset);
    }
    if (plan === Plan.Drop) return null;
    let out: ScapEvent | null = ev;
    if (plan !== Plan.Pass) {
      out = this.converter.convert(ev);
      this.stats.mismatchedEnters = this.converter.mismatchedEnters;
      if (out === null) return null;
    }
    this.stats.events++;
    out.num = this.stats.events;
    // A converted event has the header (ts, tid) of the event read.
    const lo = view.getUint32(start, true);
    const hi = view.getUint32(start + 4, true);
    if (this.stats.events === 1) {
      this.state.firstTs = out.ts;
      this.prevLo = lo;
      this.prevHi = hi;
    }
    out.prevTsLo = this.prevLo;
    out.prevTsHi = this.prevHi;
    this.prevLo = lo;
    this.prevHi = hi;
    this.parser.parse(out);
    if (out.type === 186 /* PROCEXIT_1_E */) this.converter.forget(out.tid);
    if (this.wanted !== null && !this.wanted.event(out)) {
      // The state has taken it into account; nobody looks at it.
      this.stats.skippedEvents++;
      return null;
    }
    return out;
  }
}

/** Where the parameters of a v2 event end: after its length array (at `lenOff`) and the lengths' sum. */
function paramsEnd(buf: Buffer, lenOff: number, nparams: number, lenSize: number): number {
  let o = lenOff + nparams * lenSize;
  if (lenSize === 2) for (let i = 0; i < nparams; i++) o += readU16(buf, lenOff + 2 * i);
  else for (let i = 0; i < nparams; i++) o += readU32(buf, lenOff + 4 * i);
  return o;
}

function inferNparams(
  buf: Buffer,
  start: number,
  len: number,
  max: number,
  lenSize: number,
  name: string,
  blockOffset: number,
): number {
  for (let n = max; n >= 0; n--) {
    if (22 + lenSize * n > len) continue;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += lenSize === 2 ? readU16(buf, start + 22 + 2 * i) : readU32(buf, start + 22 + 4 * i);
    }
    const total = 22 + lenSize * n + sum;
    if (total === len) return n;
    if (total < len) {
      throw new ScapError(`${name} event: parameter lengths do not add up to its length ${len}`, blockOffset);
    }
  }
  throw new ScapError(`${name} event: cannot infer its parameter count`, blockOffset);
}
