// `POST /`: Falco's http_output (and Falcosidekick's API). One alert or an array; 200 `{"accepted": N}`
// once they are queued. Bad alerts are reported by index and field with 400 while the good ones of the
// same array are still accepted (the body says how many); 503 when the queue cannot take them.

import { QueueUnavailableError } from '../queue/queue.js';
import { formatProblem, parseAlerts } from './alert-input.js';
import { errorBody } from './errors.js';
import type { RoutePlugin } from './plugin.js';

/** Enough problems to fix a sender; a 10,000-alert array of garbage should not produce a megabyte of them. */
const MAX_PROBLEMS = 100;

export const alertRoutes: RoutePlugin = async (app, { router, logger, metrics }) => {
  app.post('/', async (request, reply) => {
    const { alerts, problems } = parseAlerts(request.body);
    metrics.countInput('falco', 'rejected', problems.length);
    if (alerts.length > 0) {
      try {
        await router.route(alerts);
      } catch (err) {
        if (err instanceof QueueUnavailableError) metrics.countInput('falco', 'unavailable', alerts.length);
        throw err;
      }
      metrics.countAccepted('falco', alerts);
    }
    if (problems.length === 0) return reply.type('application/json').send(`{"accepted":${alerts.length}}`);

    const first = formatProblem(problems[0]!);
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
    logger.info({ accepted: alerts.length, problems: problems.length, first }, 'POST /: alerts rejected');
    return reply.code(400).send({
      ...errorBody(400, `${first}${more}`),
      accepted: alerts.length,
      problems: problems.slice(0, MAX_PROBLEMS).map((p) => ({ ...p, message: formatProblem(p) })),
    });
  });
};
