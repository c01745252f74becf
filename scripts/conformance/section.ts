// What every conformance section returns: rows of the table `npm run conformance` prints, and the failures
// (one line each, saying which case and how it differed).

export interface SectionRow {
  check: string;
  passed: number;
  total: number;
  note?: string;
}

export interface SectionResult {
  section: string;
  rows: SectionRow[];
  failures: string[];
}

export type Section = (corpusDir: string) => Promise<SectionResult>;

/** Counts one row's cases: `check(case)` returns undefined when the case passes, else why it failed. */
export function tally<T>(
  check: string,
  cases: readonly T[],
  run: (c: T) => string | undefined,
  failures: string[],
  note?: string,
): SectionRow {
  let passed = 0;
  for (const c of cases) {
    let why: string | undefined;
    try {
      why = run(c);
    } catch (e) {
      why = `threw ${e instanceof Error ? e.message : String(e)}`;
    }
    if (why === undefined) passed++;
    else failures.push(`${check}: ${why}`);
  }
  return note === undefined ? { check, passed, total: cases.length } : { check, passed, total: cases.length, note };
}
