import { isOpen } from "../domain/open";
import type { Consultation, ConsultationStatus, User } from "../domain/types";
import { groupQueue, isQueueItem, QUEUE_ITEMS_MAX, withQueuePlace, type InboxServerFrame } from "../protocol/inbox-frames";
import type { ConsultationRepository } from "../stores/consultation-repository/port";

/** SPEC section 9: `ready` lists every consultation in these statuses. */
const LIVE_STATUSES: readonly ConsultationStatus[] = ["PENDING", "SCHEDULED", "IN_PROGRESS"];
const PAGE = 100;
/** A bound against a runaway loop; 50 pages of 100 per status is far beyond any real user. */
const MAX_PAGES = 50;
/** Rooms asked at once for their unread counts (a counselor may have many open rooms). */
const ROOM_CONCURRENCY = 16;

export interface ReadySources {
  repository: Pick<ConsultationRepository, "list" | "queue">;
  /** The user's unread count in one room (RPC to the room). */
  unreadIn(requestIdx: number): Promise<number>;
}

/**
 * The `ready` frame, built from the sources of truth (the repository and the rooms) on
 * every connect, so a reconnect never depends on frames missed while offline.
 */
export async function buildReady(user: User, sources: ReadySources): Promise<Extract<InboxServerFrame, { type: "ready" }>> {
  const consultations = await openConsultationsOf(sources.repository, user.userCode);
  consultations.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.requestIdx - a.requestIdx));
  // Counselors see every queue; a requester needs it only to know their own place in it.
  const needsQueue = user.isCounselor || consultations.some(isQueueItem);
  const groups = needsQueue ? groupQueue(await sources.repository.queue({ limit: QUEUE_ITEMS_MAX })) : {};
  const unread: Record<string, number> = {};
  const rooms = consultations.filter(hasRoom);
  const worker = async () => {
    for (let c = rooms.shift(); c; c = rooms.shift()) {
      try {
        const n = await sources.unreadIn(c.requestIdx);
        if (n > 0) unread[String(c.requestIdx)] = n;
      } catch (e) {
        // One unavailable room costs its count, not the whole inbox.
        console.error(`inbox ready: unread of room ${c.requestIdx} unavailable`, e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ROOM_CONCURRENCY, rooms.length) }, worker));
  const { userCode, name, role } = user;
  return {
    type: "ready",
    you: { userCode, name, role },
    consultations: consultations.map((c) => withQueuePlace(c, groups)),
    unread,
    ...(user.isCounselor ? { queue: groups } : {}),
  };
}

/** Only a consultation that has started (or may have messages) has a room worth asking. */
const hasRoom = (c: Consultation) => isOpen(c) || c.messageCount > 0;

/** Every consultation of the user that is PENDING, SCHEDULED or IN_PROGRESS (the STOMP subscription's rooms too). */
export async function openConsultationsOf(repository: ReadySources["repository"], userCode: string): Promise<Consultation[]> {
  return (await Promise.all(LIVE_STATUSES.map((status) => listAll(repository, userCode, status)))).flat();
}

async function listAll(repository: ReadySources["repository"], userCode: string, status: ConsultationStatus): Promise<Consultation[]> {
  const out: Consultation[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, nextCursor } = await repository.list({ userCode, all: false, status, limit: PAGE, cursor });
    out.push(...items);
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  return out;
}
