// POST /events/json: generic JSON events (source `json`): one object, or an array of events. Events are
// timed when saker takes them.

import { HttpError } from '../../src/server/errors.js';
import type { RoutePlugin } from '../../src/server/plugin.js';
import { answer, evaluateAndRoute, installEventBodies, outcomeOf } from '../ingest.js';
import { readJsonEventsSettings } from './config.js';
import { jsonPayload } from './parse.js';

export const jsonEventRoutes: RoutePlugin = async (app, deps) => {
  const settings = readJsonEventsSettings(deps.config);
  if (!settings.enabled || !deps.rules.sources.includes('json')) {
    deps.logger.info('POST /events/json is off (jsonevents.enabled, or json not in rules.sources)');
    return;
  }
  installEventBodies(app);
  app.post('/events/json', { bodyLimit: settings.maxBodyBytes }, async (request, reply) => {
    if (request.body === undefined) throw new HttpError(400, 'body: expected a JSON object (one event) or an array of events');
    const batch = jsonPayload(request.body, settings.maxEventBytes, BigInt(Date.now()) * 1_000_000n);
    const alerts = await evaluateAndRoute(deps, 'json', batch);
    return answer(reply, deps.logger, 'POST /events/json', outcomeOf(batch), alerts);
  });
};
