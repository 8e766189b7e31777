/**
 * SPEC section 6, backups and idle rooms: a snapshot within 5 minutes of new messages
 * (the room's "snapshot" alarm deadline), older snapshots removed, and nothing lost when
 * the hot store expires while the room sits idle, whether chat then resumes or cleanup
 * ends it. Alarms and the cron trigger are driven from the test.
 */
import { createScheduledController } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { getServices } from "../../src/config/services";
import {
  contentsOf,
  deadlineOf,
  expireHotStore,
  finalOf,
  fireDeadline,
  hotMessages,
  r2Archive,
  roomRows,
  snapshotsOf,
} from "../archive/support/room";
import { people, testEnv } from "../support/api";
import { actOk, namedConsultation } from "../support/consultations";
import { connect, post } from "../support/sockets";

const HOUR = 3_600_000;
const STARTED = "상담이 시작되었습니다.";
const ENDED = "상담이 종료되었습니다.";

async function chatting() {
  const c = await namedConsultation("IN_PROGRESS");
  const s = (await connect(c.requestIdx, { token: people.student })).client;
  return { c, s };
}

describe("backups (room alarm)", () => {
  it("a room with new messages gets a snapshot within 5 minutes; the older snapshot goes", async () => {
    const { c, s } = await chatting();
    const before = Date.now();
    await post(s, "one");
    const due = await deadlineOf(c.requestIdx, "snapshot");
    expect(due).toBeGreaterThan(before);
    expect(due).toBeLessThanOrEqual(Date.now() + 5 * 60_000);

    const old = `temp/chat_${c.requestIdx}_snapshot_20200101000000.txt`;
    await r2Archive().put(old, "older backup", "text/plain; charset=utf-8");
    await fireDeadline(c.requestIdx, "snapshot");
    const [key, ...rest] = await snapshotsOf(r2Archive(), c.requestIdx);
    expect(rest).toEqual([]);
    expect(key).toMatch(new RegExp(`^temp/chat_${c.requestIdx}_snapshot_\\d{14}\\.txt$`));
    const snapshot = await r2Archive().get(key!);
    expect(snapshot).toMatch(/^={50}\n {7}상담 채팅 기록\n/);
    expect(contentsOf(snapshot)).toEqual([STARTED, "one"]);
    expect(await deadlineOf(c.requestIdx, "snapshot")).toBeNull();

    // Nothing new: no deadline pending, and a stray run writes nothing.
    await r2Archive().delete([key!]);
    await fireDeadline(c.requestIdx, "snapshot");
    expect(await snapshotsOf(r2Archive(), c.requestIdx)).toEqual([]);

    await post(s, "two");
    await fireDeadline(c.requestIdx, "snapshot");
    const after = await snapshotsOf(r2Archive(), c.requestIdx);
    expect(after).toHaveLength(1);
    expect(contentsOf(await r2Archive().get(after[0]!))).toEqual([STARTED, "one", "two"]);
    s.close();
  });

  it("a sealed room takes no backup (its end writes the final archive)", async () => {
    const { c, s } = await chatting();
    await post(s, "one");
    await getServices(testEnv).rooms.archive(c, "STU001");
    // A backup deadline that fires after the end began writes nothing.
    await fireDeadline(c.requestIdx, "snapshot");
    expect(await snapshotsOf(r2Archive(), c.requestIdx)).toEqual([]);
    expect(await deadlineOf(c.requestIdx, "snapshot")).toBeNull();
  });
});

describe("a room idle past the hot-store TTL", () => {
  it("then cleaned up by cron: the final archive holds every message", async () => {
    const { c, s } = await chatting();
    await post(s, "before the silence");
    await fireDeadline(c.requestIdx, "snapshot");
    s.close();
    await expireHotStore(c.requestIdx);
    // Still in view from the room's log (SPEC section 6), though no longer in the hot store.
    expect((await hotMessages(c.requestIdx)).map((m) => m.content)).toEqual([STARTED, "before the silence"]);

    const controller = createScheduledController({ scheduledTime: Date.now() + 61 * HOUR, cron: "*/5 * * * *" });
    await worker.scheduled(controller, testEnv);
    const row = (await getServices(testEnv).repository.findById(c.requestIdx))!;
    expect(row).toMatchObject({ status: "COMPLETED", endedBy: "SYSTEM", chatLogKey: `archive/chat_${c.requestIdx}_final.txt` });
    const archived = await finalOf(r2Archive(), c.requestIdx);
    expect(contentsOf(archived)).toEqual([STARTED, "before the silence", ENDED]);
    expect(archived).toContain("총 메시지 수: 3\n");
    expect(await snapshotsOf(r2Archive(), c.requestIdx)).toEqual([]);
    expect(await roomRows(c.requestIdx)).toEqual({ hot: 0, log: 0 });
  });

  it("then resumed: later snapshots and the final archive still hold every message, one header, seq order", async () => {
    const { c, s } = await chatting();
    await post(s, "day one");
    await fireDeadline(c.requestIdx, "snapshot");
    await expireHotStore(c.requestIdx);

    expect(await post(s, "day three")).toMatchObject({ type: "ack", seq: 3 });
    expect((await hotMessages(c.requestIdx)).map((m) => m.content)).toEqual([STARTED, "day one", "day three"]);
    await fireDeadline(c.requestIdx, "snapshot");
    const [snapshot] = await snapshotsOf(r2Archive(), c.requestIdx);
    expect(contentsOf(await r2Archive().get(snapshot!))).toEqual([STARTED, "day one", "day three"]);

    await post(s, "last words");
    await actOk(people.professor, c.requestIdx, "end");
    const archived = (await finalOf(r2Archive(), c.requestIdx))!;
    expect(contentsOf(archived)).toEqual([STARTED, "day one", "day three", "last words", ENDED]);
    expect(archived.match(/상담 채팅 기록/g)).toHaveLength(1);
    expect(archived).toContain("총 메시지 수: 5\n");
  });
});
