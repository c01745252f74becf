// `POST /test`: a test alert (rule `Test rule`, priority Debug) to every output, ignoring their filters, as
// Falcosidekick's /test does: the quickest way to check that an output is wired right.

import { randomUUID } from 'node:crypto';
import type { Alert } from '../alert.js';
import type { RoutePlugin } from './plugin.js';

export function testAlert(now: Date = new Date()): Alert {
  return {
    uuid: randomUUID(),
    time: now.toISOString(),
    rule: 'Test rule',
    priority: 'Debug',
    source: 'debug',
    output: 'This is a test from saker',
    output_fields: { 'proc.name': 'saker', 'user.name': 'saker' },
    tags: ['test', 'example'],
    hostname: '',
  };
}

export const testAlertRoutes: RoutePlugin = async (app, { router, metrics }) => {
  app.post('/test', async () => {
    const alert = testAlert();
    const outputs = await router.routeToAll(alert);
    metrics.countAccepted('test', [alert]);
    return { accepted: 1, outputs };
  });
};
