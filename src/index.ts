import { createApp } from "./app";
import { getServices } from "./config/services";
import { runScheduled } from "./cron/scheduled";

/** The Worker entry: the HTTP app, the cron trigger, and the Durable Object classes it binds. */
export { RoomDO } from "./room/room-object";

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled: (controller, env) => runScheduled(controller, getServices(env)),
} satisfies ExportedHandler<Env>;
