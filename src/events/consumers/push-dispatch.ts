import type { ChatMessage, Consultation } from "../../domain/types";
import { countsAsUnread } from "../../protocol/inbox-frames";
import type { NotifyClient } from "../../push/push-client";
import type { PushableMessage } from "../../push/push-windows";
import type { ConsultationEvent, DomainEvent } from "../types";
import { consultationNotification, messagePreview, type Locale } from "./notification-text";

/**
 * Who is pushed for a lifecycle event (SPEC 10): the recipient of a new request, or for a
 * queue request every counselor with a device; the requester on approve, reject, start,
 * transfer and end. Where the requester made the change themselves (cancel, or an end by
 * them) the other side is told instead: nobody is pushed about their own action. A
 * transfer to a named colleague also tells that colleague (it is a new request for them).
 */
export async function pushedFor(event: ConsultationEvent, counselors: () => Promise<string[]>): Promise<string[]> {
  const c: Consultation = event.data;
  const requester = [c.requesterUserCode];
  const recipient = c.recipientUserCode ? [c.recipientUserCode] : [];
  switch (event.type) {
    case "consultation.created":
      return c.recipientUserCode ? recipient : (await counselors()).filter((u) => u !== c.requesterUserCode);
    case "consultation.cancelled":
      return recipient;
    case "consultation.ended":
      return [...requester, ...recipient].filter((u) => u !== c.endedBy);
    case "consultation.transferred":
      return [...requester, ...recipient];
    default:
      return requester;
  }
}

/** What a participant may be pushed about a room's batch: the other side's NORMAL/FILE messages. */
export function pushableFor(userCode: string, messages: readonly ChatMessage[], locale: Locale): PushableMessage[] {
  return messages
    .filter((m) => countsAsUnread(m) && m.sender !== userCode)
    .map((m) => ({ eventId: `evt_msg_${m.id}`, seq: m.seq, senderName: m.senderName, type: m.type, preview: messagePreview(m, locale) }));
}

/**
 * The push step of one queue message. Every call is idempotent in the PushDO (by event id
 * and device), so a message retried after a partial failure pushes nobody twice. Throws
 * when some device should be tried again, so the queue retries the message.
 *
 * Only users the push directory lists (they have a device) are handed to their PushDO: most
 * users never subscribe, and each call would wake an object only to find no device. On one
 * machine (`wrangler dev`) those wakes are not free: workerd evicts them together 10 s
 * later, stalling its one thread (README "Where the product's tail comes from").
 */
export async function dispatchPush(events: readonly DomainEvent[], offline: readonly string[], notify: NotifyClient, locale: Locale): Promise<void> {
  let counselors: Promise<string[]> | undefined;
  const listCounselors = () => (counselors ??= notify.directory.counselors());
  const lifecycle: { event: ConsultationEvent; users: string[] }[] = [];
  for (const event of events) {
    if (event.type !== "message.created") lifecycle.push({ event, users: await pushedFor(event, listCounselors) });
  }
  const byRoom = new Map<number, ChatMessage[]>();
  for (const event of events) {
    if (event.type !== "message.created") continue;
    byRoom.set(event.requestIdx, [...(byRoom.get(event.requestIdx) ?? []), event.data]);
  }
  const candidates = [...lifecycle.flatMap((l) => l.users), ...(byRoom.size > 0 ? offline : [])];
  if (candidates.length === 0) return;
  const reachable = await notify.directory.reachableOf(candidates);

  let retry = 0;
  for (const { event, users } of lifecycle) {
    const payload = consultationNotification(event, locale);
    for (const userCode of users.filter((u) => reachable.has(u))) {
      retry += (await notify.push(userCode).pushEvent(event.id, payload)).retry;
    }
  }
  for (const [requestIdx, messages] of byRoom) {
    for (const userCode of offline.filter((u) => reachable.has(u))) {
      const pushable = pushableFor(userCode, messages, locale);
      if (pushable.length > 0) await notify.push(userCode).messagesArrived(userCode, requestIdx, pushable);
    }
  }
  if (retry > 0) throw new Error(`${retry} push device(s) failed for now; the queue retries`);
}
