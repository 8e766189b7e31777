import type { Consultation } from "../domain/types";
import type { Env } from "../env";
import type { InboxDO } from "../inbox/inbox-do";
import { queueWatcherShards, type QueueWatchersDO } from "../inbox/queue-watchers-do";
import { groupQueue, isQueueItem, QUEUE_ITEMS_MAX, queueKey, withQueuePlace, type QueueItem, type RoomActivity } from "../protocol/inbox-frames";
import type { ConsultationRepository } from "../stores/consultation-repository/port";

/**
 * The typed Worker-side client of the inbox objects: who must hear about a change, and the
 * RPCs that tell them. Every call here is a notice to a view (DESIGN.md: the inbox is never
 * a source of truth), so a failed notice is logged, never thrown: the user's next `ready`
 * (any reconnect) rebuilds their view from the repository and the rooms.
 */

export function inboxStub(env: Env, userCode: string): DurableObjectStub<InboxDO> {
  return env.INBOX.getByName(userCode);
}

export function queueWatchersStub(env: Env, shard: string): DurableObjectStub<QueueWatchersDO> {
  return env.QUEUE_WATCHERS.getByName(shard);
}

/** One consultation changed (created when `before` is null): tell everyone who should see it. */
export interface ConsultationChange {
  before: Consultation | null;
  after: Consultation;
}

/**
 * The fan-out of a lifecycle change:
 * - a `consultation` frame to the requester, the recipient, and the previous recipient when
 *   the recipient changed (a transfer, or a counselor taking a queue item);
 * - when the change touched the waiting queue (an item joined or left it): the category's
 *   whole queue to every connected counselor, and a `consultation` frame with the new
 *   place to each requester whose place moved (those queued after the changed item).
 */
export async function notifyConsultationChange(env: Env, repository: ConsultationRepository, change: ConsultationChange): Promise<void> {
  const { before, after } = change;
  const touchesQueue = isQueueItem(after) || (before !== null && isQueueItem(before));
  const groups = touchesQueue ? groupQueue(await repository.queue({ limit: QUEUE_ITEMS_MAX })) : {};
  const users = new Set([after.requesterUserCode, after.recipientUserCode, before?.recipientUserCode]);
  const tasks: Promise<unknown>[] = [];
  const payload = withQueuePlace(after, groups);
  for (const userCode of users) if (userCode) tasks.push(tell(`consultation ${after.requestIdx}`, () => inboxStub(env, userCode).consultationChanged(payload)));
  if (touchesQueue) {
    const category = queueKey(after);
    const items = groups[category] ?? [];
    tasks.push(broadcastQueue(env, category, items, after.updatedAt));
    for (const moved of itemsQueuedAfter(items, after)) {
      tasks.push(tell(`queue place ${moved.requestIdx}`, () => inboxStub(env, moved.requesterUserCode).consultationChanged(moved)));
    }
  }
  await Promise.all(tasks);
}

/** Items behind `changed` in its queue: their place moved when it joined or left. */
function itemsQueuedAfter(items: readonly QueueItem[], changed: Consultation): QueueItem[] {
  return items.filter(
    (i) =>
      i.requestIdx !== changed.requestIdx &&
      (i.createdAt > changed.createdAt || (i.createdAt === changed.createdAt && i.requestIdx > changed.requestIdx)),
  );
}

/**
 * A category's waiting queue changed: every connected counselor gets it (through the
 * watcher shards). `version` is the `updatedAt` of the change that caused it: the queue
 * was read after that change, so an inbox drops a snapshot older than one it already sent
 * (two changes racing, their notices overtaking each other).
 */
export async function broadcastQueue(env: Env, category: string, items: QueueItem[], version: string): Promise<void> {
  await Promise.all(
    queueWatcherShards().map((shard) => tell(`queue ${category}`, () => queueWatchersStub(env, shard).broadcast(category, items, version))),
  );
}

/** New messages in a room: both participants' inboxes, each with their own unread count. */
export async function notifyRoomActivity(
  env: Env,
  notice: Omit<RoomActivity, "unread">,
  recipients: readonly { userCode: string; unread: number }[],
): Promise<void> {
  await Promise.all(
    recipients.map(({ userCode, unread }) => tell(`activity ${notice.requestIdx}`, () => inboxStub(env, userCode).roomActivity({ ...notice, unread }))),
  );
}

/** A participant's unread count fell (they read on some device). */
export async function notifyUnread(env: Env, userCode: string, requestIdx: number, unread: number): Promise<void> {
  await tell(`unread ${requestIdx}`, () => inboxStub(env, userCode).unreadChanged(requestIdx, unread));
}


async function tell(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (e) {
    console.error(`inbox notice (${what}) failed`, e);
  }
}
