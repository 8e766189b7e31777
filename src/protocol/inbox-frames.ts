import type { ChatMessage, Consultation, MessageType } from "../domain/types";

/**
 * The inbox socket's frames (SPEC section 9), shared by the Worker, the InboxDO and the
 * browser app. Pure: no runtime imports.
 */

/** SPEC section 9: `preview` is at most 100 characters. */
export const PREVIEW_CHARS = 100;

/** The most queue items `ready` and a `queue` frame carry (the oldest ones). */
export const QUEUE_ITEMS_MAX = 500;

/** The key of queue items without a category (a named consultation transferred back to the queue). */
export const UNCATEGORISED = "";

/** A consultation as the inbox sends it; queue items (PENDING, nobody assigned) carry their place. */
export type InboxConsultation = Consultation & { queuePosition?: number; waitingSince?: string };

export interface QueueItem extends Consultation {
  /** 1 = the next to be picked up. */
  queuePosition: number;
  /** When the request joined the queue (its `createdAt`: the queue is ordered by it). */
  waitingSince: string;
}

export interface LastMessage {
  sender: string;
  senderName: string;
  type: MessageType;
  preview: string;
  sentAt: string;
}

export interface RoomActivity {
  requestIdx: number;
  lastSeq: number;
  lastMessage: LastMessage;
  unread: number;
}

/**
 * From a room to an inbox: an `activity` frame with its unread count's version (the room's
 * notice clock), which the inbox orders notices by (src/inbox/notice-order.ts).
 */
export type RoomActivityNotice = RoomActivity & { version: number };

/** A room's answer to an inbox's `ready`: the user's unread count, the room's last seq, and the count's version. */
export interface UnreadState {
  unread: number;
  lastSeq: number;
  version: number;
}

export interface InboxUser {
  userCode: string;
  name: string;
  role: string;
}

export type InboxServerFrame =
  | {
      type: "ready";
      you: InboxUser;
      consultations: InboxConsultation[];
      unread: Record<string, number>;
      /** Counselors only: every category's waiting queue, oldest first. */
      queue?: Record<string, QueueItem[]>;
    }
  | { type: "consultation"; consultation: InboxConsultation }
  | ({ type: "activity" } & RoomActivity)
  | { type: "unread"; requestIdx: number; unread: number }
  | { type: "queue"; category: string; items: QueueItem[] }
  | { type: "pong" };

/** A support-queue item: PENDING with nobody assigned (new, or transferred back). */
export function isQueueItem(c: Pick<Consultation, "status" | "recipientUserCode">): boolean {
  return c.status === "PENDING" && c.recipientUserCode === null;
}

export const queueKey = (c: Pick<Consultation, "category">): string => c.category ?? UNCATEGORISED;

/**
 * Groups queue items (as the repository returns them, oldest first) by category and
 * numbers each group from 1.
 */
export function groupQueue(items: readonly Consultation[]): Record<string, QueueItem[]> {
  const groups: Record<string, QueueItem[]> = {};
  for (const c of items) {
    const group = (groups[queueKey(c)] ??= []);
    group.push({ ...c, queuePosition: group.length + 1, waitingSince: c.createdAt });
  }
  return groups;
}

/** The consultation with its queue place when it waits in `groups`, else as it is. */
export function withQueuePlace(c: Consultation, groups: Record<string, QueueItem[]>): InboxConsultation {
  if (!isQueueItem(c)) return c;
  return groups[queueKey(c)]?.find((i) => i.requestIdx === c.requestIdx) ?? c;
}

/** The `lastMessage` of an activity frame: never more content than the preview. */
export function lastMessageOf(m: ChatMessage & { attachment?: { name: string } }): LastMessage {
  const text = m.content.trim() || m.attachment?.name || "";
  const chars = Array.from(text);
  const preview = chars.length > PREVIEW_CHARS ? `${chars.slice(0, PREVIEW_CHARS - 1).join("")}…` : text;
  return { sender: m.sender, senderName: m.senderName, type: m.type, preview, sentAt: m.sentAt };
}

/** Messages that count as unread for someone else (SPEC section 9): never SYSTEM. */
export const countsAsUnread = (m: Pick<ChatMessage, "type">): boolean => m.type === "NORMAL" || m.type === "FILE";
