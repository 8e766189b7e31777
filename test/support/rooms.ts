/**
 * Failure injection for rooms through what they are given: the test main module
 * (test/support/test-worker.ts) binds a RoomDO subclass whose archive store a test may
 * point at another store, per room.
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

/** Makes the room's hot-store appends answer `ms` late (0: at once again). */
export async function slowHotStore(requestIdx: number, ms: number): Promise<void> {
  await runInDurableObject(roomStub(testEnv, requestIdx), (room) => {
    if (!(room instanceof TestRoomDO)) throw new Error("the workerd projects bind test/support/test-worker.ts's RoomDO");
    room.slowHotStore(ms);
  });
}

/** An archive store that is down: every call throws, as an unreachable bucket would. */
export function unreachableArchive(): ArchiveStore {
  const down = async (): Promise<never> => {
    throw new Error("archive bucket unreachable");
  };
  return { put: down, get: down, delete: down, list: down };
}
