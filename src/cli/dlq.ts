// `saker dlq`: list, replay and purge dead letters through the running server's `/api/v1/dlq` (the
// embedded queue keeps them in the server's memory; the Redis queue answers the same API).

import type { Command } from 'commander';
import type { DeadLetter, OutputQueueStats } from '../queue/queue.js';
import { addApiOptions, ApiError, callApi, type ApiOptions } from './api-client.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

async function guarded(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    process.stderr.write(`saker dlq: ${err.message}\n`);
    process.exitCode = 1;
  }
}

function nonNegative(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(`saker dlq: expected a non-negative integer, got '${text}'\n`);
    process.exit(2);
  }
  return n;
}

export function registerDlq(program: Command): void {
  const dlq = program
    .command('dlq')
    .description("dead letters of a running saker: alerts that failed permanently or ran out of attempts")
    .addHelpText('after', '\nTalks to the server given by --url (or SAKER_URL), with --token (or SAKER_TOKEN) when auth.tokens is set.');

  addApiOptions(
    dlq
      .command('list [output]')
      .description('without an output: every output with its queue depth and dead-letter count; with one: its dead letters, oldest first')
      .option('--offset <n>', 'skip this many dead letters', nonNegative, 0)
      .option('--limit <n>', 'show at most this many (the server caps it at 1000)', nonNegative, 100)
      .option('--json', 'print the API answer as JSON'),
  ).action((output: string | undefined, opts: ApiOptions & { offset: number; limit: number; json?: boolean }) =>
    guarded(async () => {
      if (output === undefined) {
        const { outputs } = (await callApi(opts, 'GET', 'api/v1/dlq')) as { outputs: Record<string, OutputQueueStats> };
        if (opts.json) return void process.stdout.write(`${JSON.stringify({ outputs }, null, 2)}\n`);
        const rows = Object.entries(outputs).map(([name, s]) => [name, String(s.depth), String(s.deadLetters)]);
        process.stdout.write(table([['OUTPUT', 'QUEUED', 'DEAD LETTERS'], ...rows]));
        return;
      }
      const page = (await callApi(opts, 'GET', `api/v1/dlq/${encodeURIComponent(output)}?offset=${opts.offset}&limit=${opts.limit}`)) as {
        total: number;
        deadLetters: DeadLetter[];
      };
      if (opts.json) return void process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
      if (page.deadLetters.length === 0) return void process.stdout.write(`no dead letters for ${output} (${page.total} in all)\n`);
      const rows = page.deadLetters.map((d) => [d.id, d.failedAt, String(d.attempts), d.alert.priority, truncate(d.alert.rule, 40), truncate(d.error, 80)]);
      process.stdout.write(table([['ID', 'FAILED AT', 'ATTEMPTS', 'PRIORITY', 'RULE', 'ERROR'], ...rows]));
      process.stdout.write(`${page.deadLetters.length} of ${page.total} shown\n`);
    }),
  );

  addApiOptions(
    dlq
      .command('retry <output> [ids...]')
      .description("put dead letters back on the output's queue (fresh attempts): the given ids (the alerts' uuids), or --all; exits 1 when an id is not found")
      .option('--all', 'every dead letter of the output'),
  ).action((output: string, ids: string[], opts: ApiOptions & { all?: boolean }) =>
    guarded(async () => {
      if (!opts.all && ids.length === 0) {
        process.stderr.write('saker dlq retry: name dead-letter ids, or --all\n');
        process.exit(2);
      }
      const body = opts.all ? { all: true } : { ids };
      const answer = (await callApi(opts, 'POST', `api/v1/dlq/${encodeURIComponent(output)}/retry`, body)) as { retried: number; notFound?: string[] };
      process.stdout.write(`${answer.retried} dead letter(s) of ${output} queued again\n`);
      const notFound = answer.notFound ?? [];
      if (notFound.length > 0) {
        process.stderr.write(
          `saker dlq retry: ${notFound.length === 1 ? 'no dead letter' : 'no dead letters'} ${notFound.join(', ')} for ${output} (already retried or purged, or a wrong id: \`saker dlq list ${output}\` shows the ids)\n`,
        );
        process.exitCode = 1;
      }
    }),
  );

  addApiOptions(dlq.command('purge <output>').description('delete every dead letter of the output')).action((output: string, opts: ApiOptions) =>
    guarded(async () => {
      const { purged } = (await callApi(opts, 'DELETE', `api/v1/dlq/${encodeURIComponent(output)}`)) as { purged: number };
      process.stdout.write(`${purged} dead letter(s) of ${output} deleted\n`);
    }),
  );
}
