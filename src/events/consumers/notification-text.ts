import type { MessageType } from "../../domain/types";
import type { ConsultationEvent, ConsultationEventType } from "../types";

/** SPEC 10: `type` is the event type, or `message.batch` for a summed-up burst. */
export type PushType = ConsultationEventType | "message.batch";

/** The push payload of SPEC 10, the same for Web Push and FCM. */
export interface PushPayload {
  title: string;
  body: string;
  /** Path in the browser app the notification opens (same origin). */
  url: string;
  requestIdx: number;
  type: PushType;
}

export type Locale = "ko" | "en";

/** SPEC 9/10: nothing of a message beyond a preview of this many characters. */
export const PREVIEW_MAX_CHARS = 100;

export const consultationPath = (requestIdx: number) => `/consultations/${requestIdx}`;

/**
 * At most `max` characters (code points, so a Korean syllable or an emoji is never cut in
 * half), whitespace collapsed to single spaces; a cut preview ends in "…" within `max`.
 */
export function clip(text: string, max = PREVIEW_MAX_CHARS): string {
  const chars = Array.from(text.replace(/\s+/g, " ").trim());
  return chars.length <= max ? chars.join("") : `${chars.slice(0, max - 1).join("")}…`;
}

/** A message's preview: the text for NORMAL, a fixed phrase for FILE (never file details). */
export function messagePreview(message: { type: MessageType; content: string }, locale: Locale): string {
  if (message.type === "FILE") return locale === "ko" ? "파일을 보냈습니다." : "Sent a file.";
  return clip(message.content);
}

/** "김교수" → "김교수님" (the polite form a Korean notification uses for a person). */
const honorific = (name: string) => (name.endsWith("님") ? name : `${name}님`);

type Text = (c: ConsultationEvent["data"]) => { title: string; body: string };

const withReason = (title: string, reason: string | null) => (reason ? `${title} — ${clip(reason)}` : title);

const TEXTS: Record<Locale, Record<ConsultationEventType, Text>> = {
  ko: {
    "consultation.created": (c) => ({
      title: c.category ? `새 상담 신청 (${c.category})` : "새 상담 신청",
      body: `${honorific(c.requesterName)}: ${clip(c.title)}`,
    }),
    "consultation.approved": (c) => ({ title: "상담이 승인되었습니다", body: withPerson(c.recipientName, c.title, "ko") }),
    "consultation.rejected": (c) => ({ title: "상담이 거절되었습니다", body: withReason(clip(c.title), c.rejectionReason) }),
    "consultation.cancelled": (c) => ({ title: "상담이 취소되었습니다", body: withReason(clip(c.title), c.cancelReason) }),
    "consultation.started": (c) => ({ title: "상담이 시작되었습니다", body: withPerson(c.recipientName, c.title, "ko") }),
    "consultation.transferred": (c) => ({ title: "상담 담당자가 변경되었습니다", body: withPerson(c.recipientName, c.title, "ko") }),
    "consultation.ended": (c) => ({ title: "상담이 종료되었습니다", body: clip(c.title) }),
  },
  en: {
    "consultation.created": (c) => ({
      title: c.category ? `New consultation request (${c.category})` : "New consultation request",
      body: `${c.requesterName}: ${clip(c.title)}`,
    }),
    "consultation.approved": (c) => ({ title: "Consultation approved", body: withPerson(c.recipientName, c.title, "en") }),
    "consultation.rejected": (c) => ({ title: "Consultation rejected", body: withReason(clip(c.title), c.rejectionReason) }),
    "consultation.cancelled": (c) => ({ title: "Consultation cancelled", body: withReason(clip(c.title), c.cancelReason) }),
    "consultation.started": (c) => ({ title: "Consultation started", body: withPerson(c.recipientName, c.title, "en") }),
    "consultation.transferred": (c) => ({ title: "Consultation transferred", body: withPerson(c.recipientName, c.title, "en") }),
    "consultation.ended": (c) => ({ title: "Consultation ended", body: clip(c.title) }),
  },
};

function withPerson(name: string | null, title: string, locale: Locale): string {
  if (!name) return clip(title);
  return `${locale === "ko" ? honorific(name) : name} · ${clip(title)}`;
}

/** The notification for one lifecycle event, in the receiving user's language. */
export function consultationNotification(event: ConsultationEvent, locale: Locale): PushPayload {
  const { title, body } = TEXTS[locale][event.type](event.data);
  return { title, body, url: consultationPath(event.requestIdx), requestIdx: event.requestIdx, type: event.type };
}

export interface MessageBatchSummary {
  requestIdx: number;
  /** How many new messages the window summed up (≥ 1). */
  count: number;
  senderName: string;
  /** The newest of them: its preview is the body. */
  last: { type: MessageType; content: string };
}

/** One push for a burst of messages: "3 new messages from 김교수" with the newest preview. */
export function messageBatchNotification(summary: MessageBatchSummary, locale: Locale): PushPayload {
  const { requestIdx, count, senderName } = summary;
  const title =
    locale === "ko"
      ? count === 1
        ? `${honorific(senderName)}의 새 메시지`
        : `${honorific(senderName)}의 새 메시지 ${count}개`
      : count === 1
        ? `New message from ${senderName}`
        : `${count} new messages from ${senderName}`;
  return { title, body: messagePreview(summary.last, locale), url: consultationPath(requestIdx), requestIdx, type: "message.batch" };
}
