import type { RoomClient } from "../chat/room-client";
import type { InboxClient } from "../live/inbox-client";
import type { StompClient } from "../live/stomp-client";
import type { ConsultationRepository } from "../stores/consultation-repository/port";

/**
 * What the inbox objects are handed by the composition root (src/config/services.ts):
 * like the room, they pick no adapter and reach other objects only through typed clients.
 */
export interface InboxServices {
  repository: Pick<ConsultationRepository, "list" | "queue">;
  /** The user's unread count in a room (RPC to the room), for `ready`. */
  rooms: Pick<RoomClient, "inboxOpened">;
  /** Watcher registration (InboxDO) and the per-counselor queue and per-admin change notices (QueueWatchersDO). */
  inboxes: Pick<InboxClient, "watchQueue" | "queueChanged" | "watchAll" | "watchedChange" | "online">;
  /** The user's STOMP connections: told to follow a consultation's room when it opens. */
  stomp: Pick<StompClient, "watchRoom" | "alive">;
}
