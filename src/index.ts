import { createApp } from "./app";
import { runScheduled } from "./cron/scheduled";
import type { Env } from "./env";

export { RoomDO } from "./chat/room-do";
export { InboxDO } from "./inbox/inbox-do";
export { QueueWatchersDO } from "./inbox/queue-watchers-do";

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled: (controller: ScheduledController, env: Env, ctx?: ExecutionContext) => runScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env>;
