import { nextMacrotask } from "../domain/macrotask";
import { ActivityReporter } from "./activity";
import { AlarmScheduler } from "./alarm-scheduler";
import { claimAttachment } from "./attachment-check";
import { RoomArchive } from "./archive";
import { ArchiveLog } from "./archive-log";
import { Connections } from "./connections";
import { DeliveryMarks } from "./delivery-marks";
import { Ending } from "./ending";
import { FrameHandler } from "./frame-handler";
import { RoomHistory } from "./history";
import { HotStore } from "./hot-store";
import { RoomInboxNotices } from "./inbox-notices";
import { RoomMessageEvents } from "./message-events";
import { Messages } from "./messages";
import { Presence } from "./presence";
import { RateLimiter } from "./rate-limiter";
import type { RoomServices } from "./room-services";
import { ServerCloser } from "./server-close";
import { RoomStompBridge } from "./stomp-bridge";
import { RoomState } from "./state";
import { StatusChanges } from "./status-changes";
import { TicketBook } from "./tickets";

/**
 * The room's parts, wired once per object instance. Each is a class constructed with
 * what it needs; the ones with storage own their tables in the room's SQLite (state,
 * tickets, rate buckets, deadlines, archive log, unread counters, the embedded hot store).
 * Deadline handlers register themselves on the one AlarmScheduler. `callsRunning` counts
 * the object's handlers and RPC calls still running (calls-in-flight.ts): with none of
 * them, no pending write, archive run or auto-start, ServerCloser may reset the room.
 */
export function buildRoomParts(ctx: DurableObjectState, services: RoomServices, requestIdx: () => number, callsRunning: () => number) {
  const sql = ctx.storage.sql;
  const log = new ArchiveLog(sql);
  const state = new RoomState(sql, log);
  const delivery = new DeliveryMarks(sql);
  const scheduler = new AlarmScheduler(sql, ctx.storage);
  // Read only after the parts below exist (the closer's first check is after a close).
  const idle = () => callsRunning() === 0 && messages.pending === 0 && delivery.pending === 0 && !ending.busy && !changes.busy;
  const connections = new Connections(ctx, scheduler, new ServerCloser(ctx, idle));
  const hot = new HotStore(services.messageStoreFor(sql), scheduler);
  const locale = () => services.config.transcript.locale;
  const activity = new ActivityReporter(state, services.repository, scheduler, requestIdx);
  const history = new RoomHistory({ log, hot: hot.store, requestIdx, lastSeq: () => state.lastSeq });
  const archiver = new RoomArchive({
    log,
    history,
    hot: hot.store,
    scheduler,
    requestIdx,
    lastSeq: () => state.lastSeq,
    sealed: () => state.sealed,
    archive: () => services.archive,
    transcript: () => services.config.transcript,
  });
  scheduler.on("snapshot", () => archiver.snapshotIfDirty());
  const background = (task: () => Promise<void>) => ctx.waitUntil(task().catch((e) => console.error("room background task failed", e)));
  // The live inbox's side of the room: unread counters and notices to the participants' inboxes.
  const inbox = new RoomInboxNotices(state, {
    inboxes: services.inboxes,
    consultation: () => state.consultation,
    lastSeq: () => state.lastSeq,
    // The room's log, like every read of its messages (history.ts): the hot list may have expired.
    list: (afterSeq) => history.list({ afterSeq }),
    background,
  });
  const events = new RoomMessageEvents(ctx, { events: services.events, consultation: () => state.consultation, startWritten: () => changes.startWritten(), background });
  const messages = new Messages({
    state,
    log,
    hot,
    connections,
    limiter: new RateLimiter(state),
    requestIdx,
    locale,
    now: services.now,
    newId: services.newId,
    claimAttachment: (sender, attachmentId, clientMsgId) => claimAttachment(services, requestIdx(), sender, attachmentId, clientMsgId),
    counted: (batch) => inbox.count(batch),
    delivered: (batch) => {
      inbox.stored(batch);
      stomp.stored(batch);
      events.stored(batch);
    },
    // A turn after the batch: a turn that moves the alarm has its outgoing frames held
    // until the alarm is stored (workerd's output gate), and these acks must not wait for
    // that. An eviction in between loses no deadline: the next wake sets it (below).
    afterStored() {
      if (!deadlineMissing()) return; // the usual batch: every deadline is pending, no task to start
      background(async () => {
        await nextMacrotask();
        await ensureDeadlines();
      });
    },
    background,
  });
  /** Whether a deadline is missing that a stored batch calls for (memory only, no statement). */
  const deadlineMissing = () =>
    (hot.expiresAt() !== null && scheduler.deadline("ttl") === null) || scheduler.deadline("activity") === null || scheduler.deadline("snapshot") === null;
  /**
   * The deadlines that what is stored calls for (TTL of the embedded hot list, activity
   * report, backup); free while they are pending (no statement), so only the first batch
   * after each one fired writes.
   */
  const ensureDeadlines = async () => {
    // Nearest first (activity ~30 s, backup ~2 min, TTL hours), so the alarm moves once.
    const pending = (kind: "activity" | "snapshot") => scheduler.deadline(kind) !== null;
    if (!pending("activity") && (state.pendingActivity() !== null || state.pendingFirstResponse() !== null)) await activity.noteStored();
    if (!pending("snapshot") && !state.sealed && state.lastSeq > log.snapshotSeq) await archiver.noteStored();
    if (hot.expiresAt() !== null) await hot.noteAppended();
  };
  // A wake: an eviction between a batch and its deadlines (above) must not lose them.
  if (state.lastSeq > 0) background(ensureDeadlines);
  const waitUntil = (p: Promise<unknown>) => ctx.waitUntil(p);
  const changes = new StatusChanges({
    state,
    messages,
    connections,
    services,
    requestIdx,
    locale,
    waitUntil,
    now: () => services.now(),
    retryStartAt: (atMs) => scheduler.schedule("start", atMs),
  });
  scheduler.on("start", async () => void (await changes.resumePendingStart()));
  // A wake with an auto-start the repository has not recorded (a crash after its ack): the alarm writes it.
  if (changes.startPending) background(() => scheduler.schedule("start", Date.now()));
  // The STOMP connections that follow this room (SPEC section 12), and their SENDs.
  const stomp = new RoomStompBridge(sql, {
    stomp: services.stomp,
    repository: services.repository,
    requestIdx,
    consultation: () => state.consultation,
    remember: (c) => state.rememberConsultation(c),
    list: (afterSeq) => hot.store.list(requestIdx(), { afterSeq }),
    send: (user, frame) => messages.send(null, user, frame, (sender) => changes.startFor(sender)),
    background,
  });
  const ending = new Ending({ state, messages, archiver, activity, locale });
  return {
    state,
    delivery,
    tickets: new TicketBook(sql),
    scheduler,
    connections,
    hot,
    history,
    changes,
    inbox,
    stomp,
    ending,
    frames: new FrameHandler({ connections, messages, presence: new Presence(state, connections, delivery, (userCode, upToSeq) => inbox.read(userCode, upToSeq)), history, changes }),
  };
}
