import { createApp } from "./app";
import { getServices } from "./config/services";
import { runScheduled } from "./cron/scheduled";
import { consumeDeadLetters, consumeEvents, DEAD_LETTER_QUEUE } from "./events/consumers/queue-consumer";
import type { EventsQueueBody } from "./events/types";

/** The Worker entry: the HTTP app, the cron trigger, the events queue, and the Durable Object classes it binds. */
export { RoomDO } from "./room/room-object";
export { InboxDO } from "./inbox/inbox-object";
export { QueueWatchersDO } from "./inbox/queue-watchers-object";
export { StompDO } from "./inbox/stomp-object";
export { PushDO } from "./push/push-object";
export { PushDirectoryDO } from "./push/push-directory-object";
export { WebhookLogDO } from "./webhooks/webhook-log-object";

const app = createApp();

export default {
  fetch: app.fetch,
  // ctx is optional so tests may run the trigger without one (then nobody is notified live).
  scheduled: (controller: ScheduledController, env: Env, ctx?: ExecutionContext) => runScheduled(controller, getServices(env), ctx),
  // Both queues of wrangler.toml come here; they differ by name.
  queue: (batch: MessageBatch<EventsQueueBody>, env: Env) => {
    const services = getServices(env);
    if (batch.queue === DEAD_LETTER_QUEUE) return consumeDeadLetters(batch, services);
    return consumeEvents(batch, { ...services, ...services.queues });
  },
} satisfies ExportedHandler<Env, EventsQueueBody>;
