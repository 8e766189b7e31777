import { createApp } from "./app";
import type { Env } from "./env";

export { RoomDO } from "./chat/room-do";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, _env: Env, _ctx: ExecutionContext) {},
} satisfies ExportedHandler<Env>;
