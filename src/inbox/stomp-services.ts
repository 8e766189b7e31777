import type { RoomClient } from "../chat/room-client";
import type { Config } from "../config/config";
import type { InboxClient } from "../live/inbox-client";
import type { ConsultationRepository } from "../stores/consultation-repository/port";

/** What a STOMP connection object is handed by the composition root (src/config/services.ts). */
export interface StompServices {
  /** For the REST verifier (src/auth/verify-token.ts). */
  config: Config;
  /** The user's open consultations, for a subscription's history. */
  repository: Pick<ConsultationRepository, "list" | "queue">;
  /** Rooms: follow (stompAttach) and send (stompSend). */
  rooms: Pick<RoomClient, "stub">;
  /** The user's inbox keeps the user's connections (stompHost). */
  inboxes: Pick<InboxClient, "stompHost">;
}
