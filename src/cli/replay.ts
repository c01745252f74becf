// `saker replay`: evaluate recorded events (audit logs, JSON events, captures) with rule files and print
// the alerts as Falco prints them, then Falco's end-of-run statistics.

import { existsSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { eventReaders } from '../../capture/files/readers.js';
import { sourceDefinitions } from '../../capture/sources.js';
import { DEFAULT_MAX_EVENT_BYTES } from '../../capture/k8saudit/parse.js';
import { parsePriority, PRIORITIES, type Priority } from '../alert.js';
import { Engine } from '../engine/engine.js';
import { formatLoadMessage } from '../engine/loader/results.js';
import { replay, type ReplayConsole } from '../replay/replay.js';
import { DEFAULT_RULES_HELP, defaultRulesNote, rulesOrDefault, rulesPathProblem, type RulesChoice } from './rules_engine.js';
import { usageErrorText } from './usage.js';

export interface ReplayFlags {
  rules: string[];
  source?: string;
  match: 'first' | 'all';
  minPriority?: Priority;
  tag: string[];
  disableTag: string[];
  disable: string[];
  allEvents?: boolean;
  json?: boolean;
  maxEventBytes: number;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function priorityArg(text: string): Priority {
  const p = parsePriority(text);
  if (!p) throw new InvalidArgumentError(`'${text}' is not a priority; use one of ${PRIORITIES.join(', ')} (case-insensitive) or info`);
  return p;
}

function bytesArg(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 64) throw new InvalidArgumentError(`'${text}' is not a size in bytes (an integer ≥ 64)`);
  return n;
}

/** The problem with the command line, if any. */
function usageProblem(files: readonly string[], flags: ReplayFlags, rules: RulesChoice): string | undefined {
  if (flags.tag.length > 0 && (flags.disableTag.length > 0 || flags.disable.length > 0)) {
    return 'you can not specify both disabled (-D/-T) and enabled (-t) rules, as in Falco';
  }
  if (files.filter((f) => f === '-').length > 1) return "'-' (stdin) can be given only once";
  const missing = files.find((f) => f !== '-' && !existsSync(f));
  return missing === undefined ? rulesPathProblem(rules.paths) : `${missing}: no such file`;
}

/** `saker replay` without the process around it: returns the exit code. */
export async function replayCommand(files: readonly string[], flags: ReplayFlags, io: ReplayConsole): Promise<number> {
  const rules = rulesOrDefault(flags.rules);
  const problem = usageProblem(files, flags, rules);
  if (problem) {
    io.stderr.write(usageErrorText('saker replay', problem));
    return 2;
  }
  io.stderr.write(defaultRulesNote('saker replay', rules));

  const engine = new Engine({
    sources: sourceDefinitions(),
    match: flags.match,
    // Falco's lines carry no uuid: none is generated for them.
    uuids: false,
    ...(flags.minPriority ? { minimumPriority: flags.minPriority } : {}),
  });
  if (flags.tag.length > 0) {
    engine.setEnabled({}, false);
    for (const tag of flags.tag) engine.setEnabled({ tag }, true);
  }
  for (const tag of flags.disableTag) engine.setEnabled({ tag }, false);
  for (const name of flags.disable) engine.setEnabled({ name }, false);

  const results = engine.loadFiles(rules.paths);
  const errors = results.flatMap((r) => r.errors);
  const warnings = results.reduce((n, r) => n + r.warnings.length, 0);
  if (errors.length > 0) {
    for (const e of errors) io.stderr.write(`${formatLoadMessage(e)}\n`);
    io.stderr.write(`saker replay: rules failed to load\n`);
    return 1;
  }
  if (warnings > 0) io.stderr.write(`saker replay: rules loaded with ${warnings} warning(s) (saker validate -r … lists them)\n`);

  const { stats, failedInputs } = await replay(
    engine,
    {
      files,
      json: flags.json === true,
      allEvents: flags.allEvents === true,
      maxEventBytes: flags.maxEventBytes,
      readers: eventReaders,
      sources: new Set(sourceDefinitions().map((s) => s.name)),
      ...(flags.source !== undefined ? { source: flags.source } : {}),
    },
    io,
  );
  io.stderr.write(stats.format(engine.rules.map((r) => r.name)));
  // Nothing to evaluate is not a failure (a quiet day's empty audit log), but it is worth knowing: the input
  // may not be what was meant (an empty file, a pipe whose producer failed).
  if (failedInputs.length === 0 && stats.events === 0 && stats.unusable === 0) {
    io.stderr.write(`saker replay: warning: no events in ${files.map((f) => (f === '-' ? 'stdin' : f)).join(', ')}: nothing was evaluated\n`);
  }
  return failedInputs.length > 0 ? 1 : 0;
}

export function registerReplay(program: Command): void {
  const replayable = [...new Set(eventReaders.flatMap((r) => r.sources))];
  program
    .command('replay')
    .description('evaluate events recorded in files with rule files and print the alerts, as Falco does')
    .argument('<files...>', "event files: JSON lines, a JSON array, an EventList, a .scap capture (gzip'ed or not); - for stdin")
    .option('-r, --rules <path>', "a rules file or folder (its *.yaml files in name order); repeat for more, loaded in order (default: saker's own rules)", collect)
    .addOption(new Option('--source <source>', 'the source of the events (default: decided from the content)').choices(replayable))
    .addOption(new Option('--match <mode>', "first: one alert per event, the first matching rule's (Falco's default); all: every matching rule's").choices(['first', 'all']).default('first'))
    .option('--min-priority <priority>', 'do not evaluate rules less severe than this (Falco\'s priority setting)', priorityArg)
    .option('-t, --tag <tag>', 'run only the rules with this tag; repeat for more (not with -T/-D)', collect)
    .option('-T, --disable-tag <tag>', 'disable the rules with this tag; repeat for more', collect)
    .option('-D, --disable <text>', 'disable the rules whose name contains this text; repeat for more', collect)
    .option('-A, --all-events', "include the events Falco skips by default (the syscall source's high-volume events; as in Falco, no effect on .scap captures, whose events are all evaluated)")
    .option('--json', 'print each alert as Falco\'s JSON alert (json_output: true), one per line')
    .option('--max-event-bytes <bytes>', 'largest event accepted; larger ones are reported and skipped', bytesArg, DEFAULT_MAX_EVENT_BYTES)
    .addHelpText(
      'after',
      `
${DEFAULT_RULES_HELP}

Alerts go to stdout (Falco's text line, or JSON lines with --json). At the end, stderr gets the number of
events read and unusable, then Falco's statistics: "Events detected", "Rule counts by severity",
"Triggered rules by rule name". Unusable events (bad JSON, an audit event without stageTimestamp, …)
are reported with file:line and skipped. A progress bar is drawn on stderr when it is a terminal and the
input is large.

Examples:
  saker replay audit.log                        # saker's own rules
  saker replay -r rules/ audit.log
  saker replay -r k8s_audit_rules.yaml --match all --json audit-*.jsonl.gz > alerts.jsonl
  ssh control-plane sudo cat /var/log/kubernetes/audit.log | saker replay -r rules/ -
  saker replay -r falco_rules.yaml capture.scap.gz

Exit codes: 0 when every input was read (unusable events included; an input without events too, with a
warning), 1 when the rules fail to load or an input cannot be read, 2 for bad usage (unknown option, bad
value, a missing event or rules file, a rules folder without rules files).`,
    )
    .action(async (files: string[], flags: Partial<ReplayFlags> & Pick<ReplayFlags, 'match' | 'maxEventBytes'>) => {
      const all: ReplayFlags = { ...flags, rules: flags.rules ?? [], tag: flags.tag ?? [], disableTag: flags.disableTag ?? [], disable: flags.disable ?? [] };
      process.exitCode = await replayCommand(files, all, { stdout: process.stdout, stderr: process.stderr });
    });
}
