// The event-file formats `saker replay` knows, tried in order on a file's first bytes. Formats recognised
// by a magic number go first; JSON (any file starting with `{` or `[`) is the catch-all.

import { jsonReader } from './json-reader.js';
import type { EventReader } from './reader.js';
import { scapReader } from './scap-reader.js';

export const eventReaders: readonly EventReader[] = [scapReader, jsonReader];
