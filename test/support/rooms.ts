/**
 * Failure injection for rooms through what they are given: the test main module
 * (test/support/test-worker.ts) binds a RoomDO subclass whose archive store a test may
 * point at another store, per room, and whose hot-store reads and appends a test may slow down.
 */
import { runInDurableObject } from "cloudflare:test";
import { roomStub } from "../../src/chat/room-client";
import type { ArchiveStore } from "../../src/stores/archive-store/port";
import { testEnv } from "./api";
import { RoomDO as TestRoomDO, type HotStoreDelays, type StartWrites } from "./test-worker";

/** Points the room's archive store at `store` (null: back to the configured one). */
export async function useArchive(requestIdx: number, store: ArchiveStore | null): Promise<void> {
  await runInDurableObject(roomStub(testEnv, requestIdx), (room) => {
    if (!(room instanceof TestRoomDO)) throw new Error("the workerd projects bind test/support/test-worker.ts's RoomDO");
    room.useArchive(store);
  });
}

/** Waits until the room's background work after its last batch (deadlines, notices) is done. */
export async function roomSettled(requestIdx: number): Promise<void> {
  await runInDurableObject(roomStub(testEnv, requestIdx), async (room) => {
    if (!(room instanceof TestRoomDO)) throw new Error("the workerd projects bind test/support/test-worker.ts's RoomDO");
    await room.settled();
  });
}

/** The room's EVENTS queue operations so far (test/support/test-worker.ts records them). */
export async function roomQueueSends(requestIdx: number) {
  return runInDurableObject(roomStub(testEnv, requestIdx), (room) => {
    if (!(room instanceof TestRoomDO)) throw new Error("the workerd projects bind test/support/test-worker.ts's RoomDO");
    return structuredClone(room.queueSends());
  });
}

/** Makes the room's hot-store reads and/or appends answer late (a far Upstash); 0 ends it. */
export async function slowHotStore(requestIdx: number, delays: HotStoreDelays): Promise<void> {
  await runInDurableObject(roomStub(testEnv, requestIdx), (room) => {
    if (!(room instanceof TestRoomDO)) throw new Error("the workerd projects bind test/support/test-worker.ts's RoomDO");
    room.slowHotStore(delays);
  });
}

/** The room's auto-start writes to the repository: as is ("open", which also releases held ones), held back, or failing. */
export async function gateStartWrites(requestIdx: number, mode: StartWrites): Promise<void> {
  await runInDurableObject(roomStub(testEnv, requestIdx), (room) => {
    if (!(room instanceof TestRoomDO)) throw new Error("the workerd projects bind test/support/test-worker.ts's RoomDO");
    room.gateStartWrites(mode);
  });
}

/** An archive store that is down: every call throws, as an unreachable bucket would. */
export function unreachableArchive(): ArchiveStore {
  const down = async (): Promise<never> => {
    throw new Error("archive bucket unreachable");
  };
  return { browserOrigin: null, put: down, get: down, delete: down, list: down, head: down, presignPut: down, presignGet: down, putStream: down, getStream: down };
}

/** The SQL statements the room's current instance ran so far (see countingState in test-worker.ts). */
export async function sqlStatements(requestIdx: number): Promise<string[]> {
  return runInDurableObject(roomStub(testEnv, requestIdx), (room) => {
    if (!(room instanceof TestRoomDO)) throw new Error("the workerd projects bind test/support/test-worker.ts's RoomDO");
    return [...room.sqlLog.statements];
  });
}

/**
 * Counts the rows of the embedded hot list: the room's log rows above its floor (the
 * embedded store's TTL moves `hot_after` instead of deleting rows, src/stores/message-store/sqlite.ts).
 */
export const HOT_ROWS_SQL = `SELECT COUNT(*) AS n FROM archive_log WHERE seq > COALESCE((SELECT value FROM hot_meta WHERE key = 'hot_after'), 0)`;
