import { isOpen } from "../domain/open";
import type { Consultation, User } from "../domain/types";
import { ApiError } from "../domain/errors";

/** Texts of the SYSTEM messages of SPEC section 4, in the transcript's locale. */
const TEXTS = {
  ko: {
    senderName: "시스템",
    started: "상담이 시작되었습니다.",
    toQueue: "상담이 대기열로 이관되었습니다.",
    toUser: (name: string) => `상담이 ${name}님에게 이관되었습니다.`,
    ended: "상담이 종료되었습니다.",
  },
  en: {
    senderName: "System",
    started: "The consultation has started.",
    toQueue: "The consultation was transferred back to the queue.",
    toUser: (name: string) => `The consultation was transferred to ${name}.`,
    ended: "The consultation has ended.",
  },
} as const;

export type Locale = keyof typeof TEXTS;
export const SYSTEM_SENDER = "SYSTEM";

export const systemSenderName = (locale: Locale) => TEXTS[locale].senderName;
export const endedText = (locale: Locale) => TEXTS[locale].ended;

/** What the room does when its consultation moves from `prev` to `next`. */
export interface RoomChange {
  /** Text of the SYSTEM message to store, if any (started, transferred). */
  systemText: string | null;
  /** Send a `status` frame to every socket. */
  statusFrame: boolean;
  /** Users whose sockets close with 4003 (the previous recipient on a transfer). */
  closeUsers: string[];
  /** The consultation is over (COMPLETED, CANCELLED, REJECTED): seal and close all with 4009. */
  terminal: boolean;
}

export function describeChange(prev: Consultation, next: Consultation, locale: Locale): RoomChange {
  const texts = TEXTS[locale];
  const moved = prev.status !== next.status || prev.recipientUserCode !== next.recipientUserCode;
  const change: RoomChange = { systemText: null, statusFrame: moved, closeUsers: [], terminal: false };
  if (!moved) return change;
  if (next.status === "COMPLETED" || next.status === "CANCELLED" || next.status === "REJECTED") {
    change.terminal = true;
  } else if (next.status === "IN_PROGRESS" && prev.status !== "IN_PROGRESS") {
    change.systemText = texts.started;
  } else if (next.status === "PENDING" && isOpen(prev)) {
    // A transfer: from any open status (also a waiting transfer handed on again).
    change.systemText = next.recipientUserCode ? texts.toUser(next.recipientName ?? next.recipientUserCode) : texts.toQueue;
    if (prev.recipientUserCode && prev.recipientUserCode !== next.recipientUserCode) change.closeUsers.push(prev.recipientUserCode);
  }
  return change;
}

/**
 * Whether `user` may post to the room now: the requester while the consultation is open
 * (including while a transfer waits for the next counselor), the recipient while it is
 * SCHEDULED or IN_PROGRESS. Admins are read-only. Throws FORBIDDEN or INVALID_STATE.
 */
export function assertCanPost(c: Consultation | null, sealed: boolean, user: User): void {
  assertNotAdmin(user);
  if (!c || sealed) throw new ApiError("INVALID_STATE", "The consultation is ending; no more messages are accepted");
  const requester = c.requesterUserCode === user.userCode;
  const recipient = c.recipientUserCode === user.userCode;
  if (!requester && !recipient) throw new ApiError("FORBIDDEN", "Only the participants may post in this room");
  const open = requester ? isOpen(c) : c.status === "SCHEDULED" || c.status === "IN_PROGRESS";
  if (!open) throw new ApiError("INVALID_STATE", `The consultation is ${c.status}; messages are not accepted`);
}

/** Admin sockets are read-only (SPEC section 4). */
export function assertNotAdmin(user: User): void {
  if (user.isAdmin) throw new ApiError("FORBIDDEN", "Admins are read-only in chat rooms");
}
