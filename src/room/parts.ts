import { ActivityReporter } from "./activity";
import { AlarmScheduler } from "./alarm-scheduler";
import { RoomArchive } from "./archive";
import { ArchiveLog } from "./archive-log";
import { Connections } from "./connections";
import { Ending } from "./ending";
import { FrameHandler } from "./frame-handler";
import { RoomHistory } from "./history";
import { HotStore } from "./hot-store";
import { Messages } from "./messages";
import { Presence } from "./presence";
import { RateLimiter } from "./rate-limiter";
import type { RoomServices } from "./room-services";
import { RoomState } from "./state";
import { StatusChanges } from "./status-changes";
import { TicketBook } from "./tickets";

/**
 * The room's parts, wired once per object instance. Each is a class constructed with
 * what it needs; the ones with storage own their tables in the room's SQLite (state,
 * tickets, rate buckets, deadlines, archive log, the embedded hot store). Deadline
 * handlers register themselves on the one AlarmScheduler.
 */
export function buildRoomParts(ctx: DurableObjectState, services: RoomServices, requestIdx: () => number) {
  const sql = ctx.storage.sql;
  const state = new RoomState(sql);
  const scheduler = new AlarmScheduler(sql, ctx.storage);
  const connections = new Connections(ctx, scheduler);
  const hot = new HotStore(services.messageStoreFor(sql), scheduler);
  const locale = () => services.config.transcript.locale;
  const activity = new ActivityReporter(state, services.repository, scheduler, requestIdx);
  const log = new ArchiveLog(sql);
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
  const messages = new Messages({
    state,
    log,
    hot,
    connections,
    limiter: new RateLimiter(sql),
    requestIdx,
    locale,
    now: services.now,
    newId: services.newId,
    async afterStored() {
      await activity.noteStored();
      await archiver.noteStored();
    },
    background: (task) => ctx.waitUntil(task().catch((e) => console.error("room background task failed", e))),
  });
  const changes = new StatusChanges({ state, messages, connections, services, requestIdx, locale });
  return {
    state,
    tickets: new TicketBook(sql),
    scheduler,
    connections,
    hot,
    history,
    changes,
    ending: new Ending({ state, messages, archiver, activity, locale }),
    frames: new FrameHandler({ connections, messages, presence: new Presence(state, connections), history, changes }),
  };
}
