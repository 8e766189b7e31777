import { createApp } from "./app";
import { getServices } from "./config/services";
import { runScheduled } from "./cron/scheduled";

/** The Worker entry: the HTTP app, the cron trigger, and the Durable Object classes it binds. */
export { RoomDO } from "./room/room-object";
export { InboxDO } from "./inbox/inbox-object";
export { QueueWatchersDO } from "./inbox/queue-watchers-object";
export { StompDO } from "./inbox/stomp-object";

const app = createApp();

export default {
  fetch: app.fetch,
  // ctx is optional so tests may run the trigger without one (then nobody is notified live).
  scheduled: (controller: ScheduledController, env: Env, ctx?: ExecutionContext) => runScheduled(controller, getServices(env), ctx),
} satisfies ExportedHandler<Env>;
