// `/api/v1/dlq`: dead letters over HTTP, for `saker dlq` and operators. Works on any AlertQueue through
// the contract, so the embedded and the Redis queue answer alike.
//
//   GET    /api/v1/dlq                  outputs with their queue depth and dead-letter count
//   GET    /api/v1/dlq/:output          dead letters of an output (?offset=&limit=, oldest first)
//   POST   /api/v1/dlq/:output/retry    {"ids": ["…"]} or {"all": true}: back on the queue →
//                                        {"retried": N, "notFound": ["<ids that are not dead letters>"]}
//   DELETE /api/v1/dlq/:output          drop them all → {"purged": N}
//
// While the queue cannot serve them (Redis down or not answering) they answer 503 with the reason, as POST /
// does.

import { QueueUnavailableError } from '../queue/queue.js';
import { HttpError, sendUnavailable } from './errors.js';
import type { RoutePlugin } from './plugin.js';

const MAX_PAGE = 1000;

function pageNumber(raw: unknown, name: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new HttpError(400, `${name}: expected a non-negative integer, got '${String(raw)}'`);
  return n;
}

export const dlqRoutes: RoutePlugin = async (app, { queue, router }) => {
  // Worded for an operator's request rather than for alerts; every other error goes on to the server's handler.
  app.setErrorHandler((err, _request, reply) => {
    if (!(err instanceof QueueUnavailableError)) throw err;
    return sendUnavailable(reply, `${err.message}; retry later`);
  });

  const known = (output: string): string => {
    if (!router.outputNames.includes(output)) {
      throw new HttpError(404, `no output '${output}'; outputs: ${router.outputNames.join(', ') || '(none enabled)'}`);
    }
    return output;
  };

  app.get('/api/v1/dlq', async () => ({ outputs: await queue.stats() }));

  app.get<{ Params: { output: string }; Querystring: { offset?: string; limit?: string } }>('/api/v1/dlq/:output', async (request) => {
    const output = known(request.params.output);
    const offset = pageNumber(request.query.offset, 'offset', 0);
    const limit = Math.min(pageNumber(request.query.limit, 'limit', 100), MAX_PAGE);
    const stats = (await queue.stats())[output];
    return { output, total: stats?.deadLetters ?? 0, offset, deadLetters: await queue.deadLetters.list(output, { offset, limit }) };
  });

  app.post<{ Params: { output: string } }>('/api/v1/dlq/:output/retry', async (request) => {
    const output = known(request.params.output);
    const body = request.body as { ids?: unknown; all?: unknown } | undefined;
    if (body?.all === true) return { retried: await queue.deadLetters.retry(output, 'all'), notFound: [] };
    const ids = body?.ids;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
      throw new HttpError(400, 'body: expected {"ids": ["<dead letter id>", …]} or {"all": true}');
    }
    return queue.deadLetters.retryIds(output, ids as string[]);
  });

  app.delete<{ Params: { output: string } }>('/api/v1/dlq/:output', async (request) => {
    const output = known(request.params.output);
    return { purged: await queue.deadLetters.purge(output) };
  });
};
