// The queue factory: which AlertQueue implementation the configuration asks for. The Redis queue (issue 4)
// becomes the `redisUrl` branch here; nothing else in saker chooses between them.

import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/loader.js';
import type { ServiceConfig } from '../config/service-config.js';
import { EmbeddedQueue } from './embedded.js';
import type { AlertQueue } from './queue.js';

export interface QueueFactoryOptions {
  config: ServiceConfig;
  /** The whole configuration, for settings of the queue's own section: `sectionValues(loaded, 'redis')`. */
  loaded: LoadedConfig;
  logger: Logger;
}

export async function createQueue({ config, logger }: QueueFactoryOptions): Promise<AlertQueue> {
  if (config.redisUrl !== '') {
    // Until the Redis queue lands, a configured Redis must not stop saker (docker-compose sets REDIS_URL),
    // but the user must know that alerts are not durable.
    logger.warn('redis.url is set, but this build of saker has no Redis queue yet: using the embedded queue');
  }
  logger.info(
    { queue: 'embedded', capacity: config.queue.capacity },
    'embedded queue: alerts wait in this process until delivered, and are lost if saker stops before (set redis.url for durable delivery)',
  );
  return new EmbeddedQueue({ capacity: config.queue.capacity, deadLetterLimit: config.queue.deadLetters, logger: logger.child({ queue: 'embedded' }) });
}
