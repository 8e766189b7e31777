import type { Consultation, User } from "../domain/types";
import { groupQueue, isQueueItem, QUEUE_ITEMS_MAX, queueKey, withQueuePlace, type QueueItem, type RoomActivityNotice } from "../protocol/inbox-frames";
import { groupByShard, shardOf } from "../domain/shard";
import type { ConsultationRepository } from "../stores/consultation-repository/port";

/** A user's inbox as the Worker sees it: a stub of their InboxDO (one object per user code). */
export type InboxStub = ReturnType<Env["INBOX"]["getByName"]>;

/**
 * Who gets `queue` frames is registered in a few shards (src/inbox/queue-watchers-object.ts),
 * so no single object carries every counselor's registration or every fan-out; a queue
 * change asks each shard once.
 */
export const QUEUE_WATCHER_SHARDS = 4;

const queueWatcherShards = (): string[] => Array.from({ length: QUEUE_WATCHER_SHARDS }, (_, i) => `shard-${i}`);
/** The admins' registry (who watches every consultation) lives in shards of its own. */
const adminWatcherShards = (): string[] => Array.from({ length: QUEUE_WATCHER_SHARDS }, (_, i) => `admins-${i}`);
/** The online registry (whose inbox has a socket or a STOMP connection open): shards `online-N`. */
export const onlineShardOf = (userCode: string): string => `online-${shardOf(userCode, QUEUE_WATCHER_SHARDS)}`;

export function watcherShardOf(userCode: string): string {
  return `shard-${shardOf(userCode, QUEUE_WATCHER_SHARDS)}`;
}

/** One consultation changed (created when `before` is null): tell everyone who should see it. */
export interface ConsultationChange {
  before: Consultation | null;
  after: Consultation;
}

/**
 * The typed client of the inbox objects (InboxDO, QueueWatchersDO): who must hear about a
 * change, and the RPCs that tell them. Every notice here is a notice to a view (DESIGN.md:
 * the inbox is never a source of truth), so a failed notice is logged, never thrown: the
 * user's next `ready` (any reconnect) rebuilds their view from the repository and the rooms.
 * Built by the composition root (src/config/services.ts); stubs are typed from the
 * generated Env, so this imports no object code.
 */
export interface InboxClient {
  stub(userCode: string): InboxStub;
  issueTicket(user: User): Promise<{ ticket: string; expiresIn: number }>;
  redeemTicket(userCode: string, secret: string): Promise<User | null>;
  /**
   * The fan-out of a lifecycle change:
   * - a `consultation` frame to the requester, the recipient, and the previous recipient when
   *   the recipient changed (a transfer, or a counselor taking a queue item);
   * - when the change touched the waiting queue (an item joined or left it): the category's
   *   whole queue to every connected counselor, and a `consultation` frame with the new
   *   place to each requester whose place moved (those queued after the changed item).
   */
  consultationChanged(change: ConsultationChange): Promise<void>;
  /**
   * New messages in a room: the participants' inboxes, each with their own unread count.
   * Resolves to the recipients whose inbox has no socket open (a failed notice counts as open).
   */
  roomActivity(notice: Omit<RoomActivityNotice, "unread">, recipients: readonly { userCode: string; unread: number }[]): Promise<string[]>;
  /** A participant's unread count fell (they read on some device); `version` orders it (src/inbox/notice-order.ts). */
  unreadChanged(userCode: string, requestIdx: number, unread: number, version: number): Promise<void>;
  /** From a queue watchers shard: one counselor's inbox gets the category's queue; returns its counselor sockets. */
  queueChanged(userCode: string, category: string, items: QueueItem[], version: string): Promise<number>;
  /** Registers (or unregisters) a counselor for `queue` frames in their shard. */
  watchQueue(userCode: string, on: boolean): Promise<void>;
  /**
   * Lists (or unlists) the user as online: their inbox has a socket or a STOMP connection
   * open. Only listed users' inboxes are told of changes and activity; the others' objects
   * stay asleep (their next `ready` rebuilds everything). Called by the inbox itself.
   */
  online(userCode: string, on: boolean): Promise<void>;
  /** A STOMP connection (`host`) of the user opened or closed; false: the user has the maximum open. */
  stompHost(userCode: string, host: string, on: boolean): Promise<boolean>;
  /** Registers (or unregisters) an admin for a `consultation` frame on every change (the live dashboard). */
  watchAll(userCode: string, on: boolean): Promise<void>;
  /** From an admin watchers shard: one admin's inbox gets a change; returns its admin sockets. */
  watchedChange(userCode: string, consultation: Consultation): Promise<number>;
}

/** A user's inbox: one object per user code. */
export function inboxStub(env: Pick<Env, "INBOX">, userCode: string): InboxStub {
  return env.INBOX.getByName(userCode);
}

/** One shard of the queue watchers registry (see watcherShardOf). */
export function queueWatchersStub(env: Pick<Env, "QUEUE_WATCHERS">, shard: string): ReturnType<Env["QUEUE_WATCHERS"]["getByName"]> {
  return env.QUEUE_WATCHERS.getByName(shard);
}

export function createInboxClient(env: Pick<Env, "INBOX" | "QUEUE_WATCHERS">, repository: Pick<ConsultationRepository, "queue">): InboxClient {
  const stub = (userCode: string) => inboxStub(env, userCode);
  const shard = (name: string) => queueWatchersStub(env, name);

  /**
   * A category's waiting queue changed: every connected counselor gets it (through the
   * watcher shards). `version` is the `updatedAt` of the change that caused it: the queue
   * was read after that change, so an inbox drops a snapshot older than one it already sent
   * (two changes racing, their notices overtaking each other).
   */
  const broadcastQueue = (category: string, items: QueueItem[], version: string) =>
    Promise.all(queueWatcherShards().map((name) => tell(`queue ${category}`, () => shard(name).broadcast(category, items, version))));

  /** Registers (or unregisters) `userCode` in the registry shard `name`. */
  const enlist = async (name: string, userCode: string, on: boolean): Promise<void> => {
    const registry = shard(name);
    await (on ? registry.watch(userCode) : registry.unwatch(userCode));
  };

  /**
   * The ones of `userCodes` listed online (one call per shard they fall in). A shard that
   * cannot answer counts its users as online: a wasted notice beats a lost one.
   */
  const onlineOf = async (userCodes: Iterable<string>): Promise<Set<string>> => {
    const found = await Promise.all(
      [...groupByShard(userCodes, QUEUE_WATCHER_SHARDS)].map(([i, users]) =>
        shard(`online-${i}`)
          .watching(users)
          .catch((e: unknown) => {
            console.error(`online registry online-${i} unavailable; telling every inbox`, e);
            return users;
          }),
      ),
    );
    return new Set(found.flat());
  };

  return {
    stub,
    issueTicket: (user) => stub(user.userCode).issueTicket(user),
    redeemTicket: (userCode, secret) => stub(userCode).redeemTicket(secret),
    async consultationChanged({ before, after }) {
      const touchesQueue = isQueueItem(after) || (before !== null && isQueueItem(before));
      const groups = touchesQueue ? groupQueue(await repository.queue({ limit: QUEUE_ITEMS_MAX })) : {};
      const users = [after.requesterUserCode, after.recipientUserCode, before?.recipientUserCode].filter((u): u is string => !!u);
      const category = touchesQueue ? queueKey(after) : null;
      const moved = category ? itemsQueuedAfter(groups[category] ?? [], after) : [];
      const tasks: Promise<unknown>[] = [];
      const payload = withQueuePlace(after, groups);
      for (const name of adminWatcherShards()) tasks.push(tell(`admins ${after.requestIdx}`, () => shard(name).broadcastChange(payload)));
      if (category) tasks.push(broadcastQueue(category, groups[category] ?? [], after.updatedAt));
      const online = await onlineOf([...users, ...moved.map((m) => m.requesterUserCode)]);
      for (const userCode of new Set(users)) {
        if (online.has(userCode)) tasks.push(tell(`consultation ${after.requestIdx}`, () => stub(userCode).consultationChanged(payload)));
      }
      for (const m of moved) {
        if (online.has(m.requesterUserCode)) tasks.push(tell(`queue place ${m.requestIdx}`, () => stub(m.requesterUserCode).consultationChanged(m)));
      }
      await Promise.all(tasks);
    },
    async roomActivity(notice, recipients) {
      const online = await onlineOf(recipients.map((r) => r.userCode));
      const closed = await Promise.all(
        recipients.map(async ({ userCode, unread }) => {
          if (!online.has(userCode)) return userCode;
          let open = true;
          await tell(`activity ${notice.requestIdx}`, async () => (open = await stub(userCode).roomActivity({ ...notice, unread })));
          return open ? null : userCode;
        }),
      );
      return closed.filter((u): u is string => u !== null);
    },
    async unreadChanged(userCode, requestIdx, unread, version) {
      await tell(`unread ${requestIdx}`, () => stub(userCode).unreadChanged(requestIdx, unread, version));
    },
    queueChanged: (userCode, category, items, version) => stub(userCode).queueChanged(category, items, version),
    stompHost: (userCode, host, on) => stub(userCode).stompHost(host, on),
    watchQueue: (userCode, on) => enlist(watcherShardOf(userCode), userCode, on),
    online: (userCode, on) => enlist(onlineShardOf(userCode), userCode, on),
    watchAll: (userCode, on) => enlist(watcherShardOf(userCode).replace("shard-", "admins-"), userCode, on),
    watchedChange: (userCode, consultation) => stub(userCode).watchedChange(consultation),
  };
}

/** Items behind `changed` in its queue: their place moved when it joined or left. */
function itemsQueuedAfter(items: readonly QueueItem[], changed: Consultation): QueueItem[] {
  return items.filter(
    (i) =>
      i.requestIdx !== changed.requestIdx &&
      (i.createdAt > changed.createdAt || (i.createdAt === changed.createdAt && i.requestIdx > changed.requestIdx)),
  );
}

async function tell(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (e) {
    console.error(`inbox notice (${what}) failed`, e);
  }
}
