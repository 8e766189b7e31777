import type { Config } from "../config/config";
import type { Consultation, User } from "../domain/types";
import type { EventPublisher } from "../events/producer";
import type { InboxClient } from "../live/inbox-client";
import type { StompClient } from "../live/stomp-client";
import type { ArchiveStore } from "../stores/archive-store/port";
import type { ConsultationRepository } from "../stores/consultation-repository/port";
import type { RoomMessageStore } from "../stores/message-store/port";

/**
 * What a room is handed by the composition root (src/config/services.ts): the room picks
 * no adapter and reads no `env` itself. Narrow on purpose, so tests can hand a room
 * failing parts (see test/support/test-worker.ts).
 */
export interface RoomServices {
  config: Pick<Config, "transcript">;
  repository: Pick<ConsultationRepository, "findById" | "recordActivity" | "recordFirstResponse" | "findAttachment" | "claimAttachment" | "releaseAttachment">;
  archive: ArchiveStore;
  /** The room's hot store; the embedded adapter lives in the room's own SQLite (`sql`). */
  messageStoreFor(sql: SqlStorage): RoomMessageStore;
  /**
   * The lifecycle's auto-start: a participant's first message moves a SCHEDULED
   * consultation to IN_PROGRESS. Returns the updated row, or null when nothing started.
   * `waitUntil` keeps the inboxes' notice of the start running after the call returns.
   */
  startOnFirstMessage(
    requestIdx: number,
    sender: User,
    waitUntil: (promise: Promise<unknown>) => void,
    /** The room's copy of the row, planned on first (saves a read; the write is guarded). */
    known?: Consultation | null,
  ): Promise<Consultation | null>;
  /** The participants' inboxes: activity after stored messages, unread counts after reads. */
  inboxes: Pick<InboxClient, "roomActivity" | "unreadChanged">;
  /** STOMP connections that follow this room (SPEC section 12): stored batches are forwarded to them. */
  stomp: Pick<StompClient, "deliver">;
  /** The EVENTS queue: one `message.created` batch per stored chat batch. */
  events: Pick<EventPublisher, "publish" | "wantsMessages">;
  /** The clock of message timestamps. */
  now(): Date;
  /** Ids of new messages. */
  newId(): string;
}
