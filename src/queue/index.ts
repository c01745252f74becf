// The queue factory: which AlertQueue implementation the configuration asks for — the Redis queue when
// `redis.url` is set, the embedded one otherwise. Nothing else in saker chooses between them.

import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service-config.js';
import { EmbeddedQueue } from './embedded.js';
import type { AlertQueue } from './queue.js';

export interface QueueFactoryOptions {
  config: ServiceConfig;
  logger: Logger;
}

export async function createQueue({ config, logger }: QueueFactoryOptions): Promise<AlertQueue> {
  if (config.redis) {
    // Loaded only when used: BullMQ and ioredis cost ~1 s of start-up and tens of MB that the embedded queue
    // does not need.
    const { RedisQueue } = await import('./redis/redis-queue.js');
    return new RedisQueue(config.redis, logger.child({ queue: 'redis' }));
  }
  logger.info(
    { queue: 'embedded', capacity: config.queue.capacity, deliveryThread: config.queue.deliveryThread },
    'embedded queue: alerts wait in this process until delivered, and are lost if saker stops before (set redis.url for durable delivery)',
  );
  return new EmbeddedQueue({
    capacity: config.queue.capacity,
    deadLetterLimit: config.queue.deadLetters,
    deliveryThread: config.queue.deliveryThread,
    logger: logger.child({ queue: 'embedded' }),
  });
}
