import { createApp } from "./app";
import { runScheduled } from "./cron/scheduled";
import type { Env } from "./env";

export { RoomDO } from "./chat/room-do";

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled: (controller: ScheduledController, env: Env) => runScheduled(controller, env),
} satisfies ExportedHandler<Env>;
