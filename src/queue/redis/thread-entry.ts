// The Redis queue's delivery thread (started by thread.ts): builds the outputs again from their config
// sections, starts them, and runs their BullMQ workers (deliverers.ts) until the main thread asks it to
// close. Logs and metrics go to the main thread (../thread/guest.ts).

import { openGuest, serveGuest, startGuest } from '../thread/guest.js';
import { Deliverers } from './deliverers.js';
import type { RedisRequest, ThreadSetup } from './thread-messages.js';

const guest = await openGuest<ThreadSetup>();
const deliverers = await startGuest(guest, (targets) => {
  const running = new Deliverers(targets, guest.setup.options, guest.queueLogger);
  running.run();
  return running;
});

serveGuest<RedisRequest>(guest, {
  request: () => undefined,
  close: (deadline, interruptAt) => deliverers?.close(deadline, interruptAt) ?? Promise.resolve(),
});
