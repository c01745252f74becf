// Event files, as `saker replay` reads them: every format is one EventReader, recognised by its first
// bytes. A new format (the .scap reader) is one more file and one more line in `eventReaders`
// (capture/files/readers.ts). Readers get the file's bytes already decompressed when it was gzip'ed.

/** A batch of events of one source, in file order. */
export interface SourcedBatch {
  readonly source: string;
  readonly events: readonly unknown[];
}

/** An event, or a stretch of the file, that could not be used; reading goes on after it. */
export interface ReadProblem {
  /** `file:line`, `file:$.items[3]`, `file@offset` … */
  readonly where: string;
  readonly reason: string;
}

export interface ReadContext {
  /** The input's name for messages: a path, or `-` for stdin. */
  readonly name: string;
  /** `--source`: the source the user says the events are; undefined to decide from the content. */
  readonly source?: string;
  /** `-A`: include the events Falco skips by default (the syscall source's high-volume events). */
  readonly allEvents: boolean;
  /** Largest accepted event in bytes (the k8s audit limit). */
  readonly maxEventBytes: number;
  /** Called for each unusable event; the reader carries on. */
  readonly problem: (problem: ReadProblem) => void;
  /**
   * Optional: false when no rule can match events of `eventType`. A reader may then count such events
   * through `skipped` instead of handing them over, when skipping them changes nothing for the others
   * (.scap: the state still takes them into account; those that touch no state are not even built).
   */
  readonly wants?: (source: string, eventType: string) => boolean;
  /** Called with events counted but not handed over (see `wants`). */
  readonly skipped?: (source: string, n: number) => void;
  /**
   * Optional: the caller is done with a batch's events, and with everything it got from them, when it asks
   * for the next batch (replay, which evaluates a batch and keeps only the alerts' texts). A reader may then
   * use the memory behind them again: the input's chunks and the JSON index.
   */
  readonly transient?: boolean;
}

export interface EventReader {
  /** `json`, `scap`: named in messages. */
  readonly format: string;
  /** The sources this format can carry. */
  readonly sources: readonly string[];
  /** True when `head` (the first bytes, up to 64 KiB, possibly fewer) starts a file of this format. */
  detect(head: Uint8Array): boolean;
  /**
   * Yields the file's events. Throws (after yielding what it could) only when the input as a whole cannot
   * be read — a truncated capture, a document that is not JSON — with a message that says where.
   */
  read(input: AsyncIterable<Uint8Array>, context: ReadContext): AsyncIterable<SourcedBatch>;
  /**
   * Optional, for formats whose events are stateful (.scap: each event is evaluated against the process and
   * fd tables as they stand right after it): hands every event to `each` as soon as it is read and reads
   * the next one only once `each` has returned (or the promise it returned has settled). Used instead of
   * `read` when present: the same events, without an async step per event. Throws as `read` does.
   */
  readEach?(input: AsyncIterable<Uint8Array>, context: ReadContext, each: EachEvent): Promise<void>;
}

/** Takes one event of `source`; returns a promise when the next event must wait (output backpressure). */
export type EachEvent = (source: string, event: unknown) => void | Promise<void>;
