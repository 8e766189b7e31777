import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

/** One consultation room: the single writer of its chat (see DESIGN.md). */
export class RoomDO extends DurableObject<Env> {}
