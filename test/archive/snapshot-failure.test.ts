/**
 * A backup that fails mid-way (issue 11, "Also"), against the S3 adapter and s3rver: the
 * new snapshot is written but removing the older one fails, or the PUT itself cannot
 * reach S3. The failed deadline stays pending (retried a minute later), the room's
 * snapshot mark does not move, and the next backup is complete: one snapshot with every
 * message, the older ones gone; the final archive holds everything.
 */
import { describe, expect, it } from "vitest";
import type { ArchiveStore } from "../../src/stores/archive-store/port";
import { s3Store, stoppedS3Endpoint } from "./support/adapters";
import { contentsOf, deadlineOf, finalOf, fireDeadline, reserveRequestIdxRange, snapshotsOf } from "./support/room";
import { people } from "../support/api";
import { actOk, namedConsultation } from "../support/consultations";
import { useArchive } from "../support/rooms";
import { connect, post } from "../support/sockets";

await reserveRequestIdxRange();

const STARTED = "상담이 시작되었습니다.";

/** S3 whose DELETE fails: a snapshot's PUT lands, removing the older one does not. */
function deleteFails(s3: ArchiveStore): ArchiveStore {
  return {
    browserOrigin: s3.browserOrigin,
    put: (...a) => s3.put(...a),
    get: (...a) => s3.get(...a),
    list: (...a) => s3.list(...a),
    head: (...a) => s3.head(...a),
    presignPut: (...a) => s3.presignPut(...a),
    presignGet: (...a) => s3.presignGet(...a),
    putStream: (...a) => s3.putStream(...a),
    getStream: (...a) => s3.getStream(...a),
    delete: async () => {
      throw new Error("S3 DeleteObjects: connection reset");
    },
  };
}

async function s3Room() {
  const c = await namedConsultation("IN_PROGRESS");
  const s3 = s3Store();
  await useArchive(c.requestIdx, s3);
  const student = (await connect(c.requestIdx, { token: people.student })).client;
  await post(student, "one");
  await fireDeadline(c.requestIdx, "snapshot");
  expect(contentsOf(await s3.get((await snapshotsOf(s3, c.requestIdx))[0]!))).toEqual([STARTED, "one"]);
  return { c, s3, student };
}

async function expectOneCompleteSnapshot(s3: ArchiveStore, requestIdx: number, contents: string[]) {
  const keys = await snapshotsOf(s3, requestIdx);
  expect(keys).toHaveLength(1);
  expect(contentsOf(await s3.get(keys[0]!))).toEqual(contents);
  expect(await s3.get(keys[0]!)).toContain(`총 메시지 수: ${contents.length}\n`);
}

describe("a snapshot failing mid-way (S3)", () => {
  it("written but the older one not removed: retried, and the next backup is complete", async () => {
    const { c, s3, student } = await s3Room();
    await post(student, "two");
    // An older snapshot under an earlier key (the room's own may share this second's key).
    await s3.put(`temp/chat_${c.requestIdx}_snapshot_20200101000000.txt`, "older backup", "text/plain; charset=utf-8");
    await useArchive(c.requestIdx, deleteFails(s3));
    await fireDeadline(c.requestIdx, "snapshot");
    // The failure left the deadline pending (a minute later) and more than one snapshot.
    expect(await deadlineOf(c.requestIdx, "snapshot")).toBeGreaterThan(Date.now());
    expect((await snapshotsOf(s3, c.requestIdx)).length).toBeGreaterThan(1);

    await post(student, "three");
    await useArchive(c.requestIdx, s3);
    await fireDeadline(c.requestIdx, "snapshot");
    await expectOneCompleteSnapshot(s3, c.requestIdx, [STARTED, "one", "two", "three"]);
    expect(await deadlineOf(c.requestIdx, "snapshot")).toBeNull();

    await actOk(people.student, c.requestIdx, "end");
    expect(contentsOf(await finalOf(s3, c.requestIdx))).toEqual([STARTED, "one", "two", "three", "상담이 종료되었습니다."]);
    expect(await snapshotsOf(s3, c.requestIdx)).toEqual([]);
  });

  it("S3 unreachable for the PUT: the older snapshot stays, and the next backup is complete", async () => {
    const { c, s3, student } = await s3Room();
    const [older] = await snapshotsOf(s3, c.requestIdx);
    await post(student, "two");
    await useArchive(c.requestIdx, s3Store({ endpoint: stoppedS3Endpoint! }));
    await fireDeadline(c.requestIdx, "snapshot");
    expect(await deadlineOf(c.requestIdx, "snapshot")).toBeGreaterThan(Date.now());
    expect(await snapshotsOf(s3, c.requestIdx)).toEqual([older]);

    await useArchive(c.requestIdx, s3);
    await fireDeadline(c.requestIdx, "snapshot");
    await expectOneCompleteSnapshot(s3, c.requestIdx, [STARTED, "one", "two"]);
    student.close();
  });
});
