/**
 * Helpers for the suites that end rooms and back them up (archive-end, room-snapshots):
 * reach into a room's storage, move its deadlines into the past (the "clock you control"
 * for alarms), and read transcripts back (swapping its archive store: test/support/rooms.ts).
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { DeadlineKind } from "../../../src/room/alarm-scheduler";
import { roomStub } from "../../../src/chat/room-client";
import type { ChatMessage } from "../../../src/domain/types";
import { getServices } from "../../../src/config/services";
import { archiveKeys, type ArchiveStore } from "../../../src/stores/archive-store/port";
import { apiJson, people, testEnv } from "../../support/api";
import { HOT_ROWS_SQL, roomSettled } from "../../support/rooms";

type Sql = DurableObjectState["storage"]["sql"];
const scalar = (sql: Sql, q: string, ...args: unknown[]) => sql.exec<{ v: number | null }>(q, ...args).one().v;

export const r2Archive = (): ArchiveStore => getServices(testEnv).archive;

/** Rows in the room's embedded hot store and in its archive log. */
export async function roomRows(requestIdx: number): Promise<{ hot: number; log: number }> {
  return runInDurableObject(roomStub(testEnv, requestIdx), (_room, state) => ({
    hot: scalar(state.storage.sql, HOT_ROWS_SQL.replace("AS n", "AS v")) ?? 0,
    log: scalar(state.storage.sql, `SELECT COUNT(*) AS v FROM archive_log`) ?? 0,
  }));
}

/** The pending deadline of `kind` in the room (ms), or null. */
export async function deadlineOf(requestIdx: number, kind: DeadlineKind): Promise<number | null> {
  await roomSettled(requestIdx); // deadlines follow a stored batch a turn later
  return runInDurableObject(roomStub(testEnv, requestIdx), (_room, state) =>
    state.storage.sql.exec<{ v: number }>(`SELECT at_ms AS v FROM deadlines WHERE kind = ?`, kind).toArray()[0]?.v ?? null,
  );
}

/**
 * Makes the room's `kind` deadline due now (setting it if none is pending) and runs the
 * alarm, as if its time had come. The room reads its deadlines once per wake, so the
 * instance is evicted after its storage is rewritten, as the platform may do any time.
 */
export async function fireDeadline(requestIdx: number, kind: DeadlineKind): Promise<void> {
  await roomSettled(requestIdx);
  const stub = roomStub(testEnv, requestIdx);
  await runInDurableObject(stub, async (_room, state) => {
    state.storage.sql.exec(
      `INSERT INTO deadlines (kind, at_ms) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET at_ms = excluded.at_ms`,
      kind,
      Date.now() - 1,
    );
    await state.storage.setAlarm(Date.now() - 1);
  });
  await evictDurableObject(stub);
  expect(await runDurableObjectAlarm(stub)).toBe(true);
}

/** Lets the embedded hot store's TTL pass, and its "ttl" deadline fire: the messages expire. */
export async function expireHotStore(requestIdx: number): Promise<void> {
  await runInDurableObject(roomStub(testEnv, requestIdx), (_room, state) => {
    state.storage.sql.exec(`UPDATE hot_meta SET value = ? WHERE key = 'expires_at'`, Date.now() - 1);
  });
  await fireDeadline(requestIdx, "ttl");
  expect((await roomRows(requestIdx)).hot).toBe(0);
}

/** The room's messages as a participant reads them (GET /api/chat/messages: from the room's log). */
export async function hotMessages(requestIdx: number): Promise<ChatMessage[]> {
  const res = await apiJson(`/api/chat/messages/${requestIdx}`, { token: people.admin });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.messages as ChatMessage[];
}

export const finalOf = (archive: ArchiveStore, requestIdx: number) => archive.get(archiveKeys.final(requestIdx));
export const snapshotsOf = (archive: ArchiveStore, requestIdx: number) => archive.list(archiveKeys.snapshotPrefix(requestIdx));

/** Every `내용:` (content) line of a transcript, in order. */
export const contentsOf = (transcript: string | null) =>
  (transcript ?? "")
    .split("\n")
    .filter((line) => line.startsWith("내용: "))
    .map((line) => line.slice("내용: ".length));

/** A transcript with its "generated at" line blanked: the only line that depends on when it was written. */
export const withoutGeneratedAt = (transcript: string) => transcript.replace(/^생성 일시: .*$/m, "생성 일시: -");

/**
 * Moves this test file's consultation numbering to a random high range: D1 is per file,
 * but s3rver's bucket is shared by the whole run, so two files must not both write
 * `archive/chat_1_final.txt`.
 */
export async function reserveRequestIdxRange(): Promise<void> {
  const start = 10_000_000 + (crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000) * 100;
  const db = testEnv.DB;
  await db.prepare(`DELETE FROM sqlite_sequence WHERE name = 'consultation_request'`).run();
  await db.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES ('consultation_request', ?)`).bind(start).run();
}
