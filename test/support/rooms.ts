/**
 * Failure injection for rooms through what they are given: the test main module
 * (test/support/test-worker.ts) binds a RoomDO subclass whose archive store a test may
 * point at another store, per room, and whose hot-store reads a test may slow down.
 */
import { runInDurableObject } from "cloudflare:test";
import { roomStub } from "../../src/chat/room-client";
import type { ArchiveStore } from "../../src/stores/archive-store/port";
import { testEnv } from "./api";
import { RoomDO as TestRoomDO } from "./test-worker";

/** Points the room's archive store at `store` (null: back to the configured one). */
export async function useArchive(requestIdx: number, store: ArchiveStore | null): Promise<void> {
  await runInDurableObject(roomStub(testEnv, requestIdx), (room) => {
    if (!(room instanceof TestRoomDO)) throw new Error("the workerd projects bind test/support/test-worker.ts's RoomDO");
    room.useArchive(store);
  });
}

/** Every hot-store read of the room waits `ms` first (a slow Upstash); 0 ends it. */
export async function slowHotReads(requestIdx: number, ms: number): Promise<void> {
  await runInDurableObject(roomStub(testEnv, requestIdx), (room) => {
    if (!(room instanceof TestRoomDO)) throw new Error("the workerd projects bind test/support/test-worker.ts's RoomDO");
    room.slowHotReads(ms);
  });
}

/** An archive store that is down: every call throws, as an unreachable bucket would. */
export function unreachableArchive(): ArchiveStore {
  const down = async (): Promise<never> => {
    throw new Error("archive bucket unreachable");
  };
  return { put: down, get: down, delete: down, list: down, head: down, presignPut: down, presignGet: down, putStream: down, getStream: down };
}

/** The SQL statements the room's current instance ran so far (see countingState in test-worker.ts). */
export async function sqlStatements(requestIdx: number): Promise<string[]> {
  return runInDurableObject(roomStub(testEnv, requestIdx), (room) => {
    if (!(room instanceof TestRoomDO)) throw new Error("the workerd projects bind test/support/test-worker.ts's RoomDO");
    return [...room.sqlLog.statements];
  });
}
