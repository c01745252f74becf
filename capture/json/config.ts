// The `jsonevents` configuration section: generic JSON events (POST /events/json).

import { sectionValues, type LoadedConfig } from '../../src/config/loader.js';
import type { ConfigSection } from '../../src/config/section.js';

export const JSON_EVENTS_SECTION: ConfigSection = {
  name: 'jsonevents',
  doc: 'Generic JSON events (source `json`): any producer posts to `POST /events/json`',
  checkEnvTypos: true,
  keys: [
    { name: 'enabled', type: 'bool', default: true, doc: 'Serve `POST /events/json` (also needs `json` in `rules.sources`)' },
    { name: 'maxbodybytes', type: 'int', default: 12 * 1024 * 1024, min: 1024, doc: 'Largest request body accepted, in bytes; larger ones get 413' },
    { name: 'maxeventbytes', type: 'int', default: 256 * 1024, min: 64, doc: 'Largest single event, in bytes of JSON; larger events are reported and skipped, the rest go on' },
  ],
};

export interface JsonEventsSettings {
  enabled: boolean;
  maxBodyBytes: number;
  maxEventBytes: number;
}

export function readJsonEventsSettings(config: LoadedConfig): JsonEventsSettings {
  const v = sectionValues(config, 'jsonevents');
  return { enabled: v['enabled'] as boolean, maxBodyBytes: v['maxbodybytes'] as number, maxEventBytes: v['maxeventbytes'] as number };
}
