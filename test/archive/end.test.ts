/**
 * SPEC section 6, ending through the room: archive, delete, COMPLETED; and each failure
 * rule. The room archives to the R2 binding; with s3rver (the archive project of test/vitest.config.ts)
 * the failure cases and one full end also run against the S3 adapter.
 */
import { describe, expect, it } from "vitest";
import { formatTranscript } from "../../src/protocol/transcript";
import { endConsultation } from "../../src/consultations/service";
import type { ChatMessage, Consultation, User } from "../../src/domain/types";
import { upstreamError } from "../../src/domain/errors";
import { getServices } from "../../src/config/services";
import type { ArchiveStore } from "../../src/stores/archive-store/port";
import type { ConsultationRepository } from "../../src/stores/consultation-repository/port";
import { s3Store, stoppedS3Endpoint, testS3 } from "./support/adapters";
import {
  contentsOf,
  fireDeadline,
  finalOf,
  hotMessages,
  r2Archive,
  roomRows,
  snapshotsOf,
  withoutGeneratedAt,
} from "./support/room";
import { api, apiJson, people, testEnv } from "../support/api";
import { reserveRequestIdxRange } from "./support/room";
import { useArchive } from "../support/rooms";
import { act, actOk, namedConsultation } from "../support/consultations";
import { connect, post } from "../support/sockets";

// s3rver's bucket is shared by every file of the run, D1's numbering is per file.
await reserveRequestIdxRange();

const load = async (id: number) => (await getServices(testEnv).repository.findById(id))!;
const download = (id: number, as = people.student) => api(`/api/chat/archive/download/${id}`, { token: as });

/** A started consultation with two messages posted by the student; its sockets stay open. */
async function chattedRoom() {
  const c = await namedConsultation("IN_PROGRESS");
  const student = (await connect(c.requestIdx, { token: people.student })).client;
  const professor = (await connect(c.requestIdx, { token: people.professor })).client;
  await post(student, "교수님 안녕하세요");
  await post(professor, "네, 무엇이 궁금하신가요?");
  return { c, student, professor };
}

describe("ending a consultation with messages", () => {
  it("archives the exact transcript, deletes hot messages and snapshots, completes, closes sockets, serves the download", async () => {
    const { c, student, professor } = await chattedRoom();
    await fireDeadline(c.requestIdx, "snapshot");
    expect(await snapshotsOf(r2Archive(), c.requestIdx)).toHaveLength(1);
    const before = await hotMessages(c.requestIdx);

    const ended = await actOk(people.student, c.requestIdx, "end");
    expect(ended).toMatchObject({ status: "COMPLETED", endedBy: "STU001", durationMinutes: 0, chatLogKey: `archive/chat_${c.requestIdx}_final.txt` });
    expect(ended.endedAt).not.toBeNull();
    for (const s of [student, professor]) {
      expect(await s.next("status")).toEqual({ type: "status", status: "COMPLETED" });
      expect((await s.closed()).code).toBe(4009);
    }
    const endedMessage = student.frames.filter((f) => f.type === "message").at(-1)!.message as ChatMessage;
    expect(endedMessage).toMatchObject({ type: "SYSTEM", content: "상담이 종료되었습니다.", seq: 4 });

    const archived = await finalOf(r2Archive(), c.requestIdx);
    const expected = formatTranscript({ requestIdx: c.requestIdx, messages: [...before, endedMessage], generatedAt: new Date(), timezone: "Asia/Seoul", locale: "ko" });
    expect(withoutGeneratedAt(archived!)).toBe(withoutGeneratedAt(expected));
    expect(await roomRows(c.requestIdx)).toEqual({ hot: 0, log: 0 });
    expect(await snapshotsOf(r2Archive(), c.requestIdx)).toEqual([]);

    const res = await download(c.requestIdx);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toBe(archived);
  });

  it("with no messages writes nothing: chatLogKey null, download 404", async () => {
    const c = await namedConsultation("SCHEDULED");
    const ended = await actOk(people.professor, c.requestIdx, "end");
    expect(ended).toMatchObject({ status: "COMPLETED", chatLogKey: null, endedBy: "PROF001" });
    expect(await finalOf(r2Archive(), c.requestIdx)).toBeNull();
    const res = await apiJson(`/api/chat/archive/download/${c.requestIdx}`, { token: people.student });
    expect(res).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  });

  it("a send racing with the end is either in the archive or refused with INVALID_STATE", async () => {
    const { c, student } = await chattedRoom();
    // 16 sends: within the rate limiter's burst, so every refusal comes from the end.
    const ids = Array.from({ length: 16 }, () => crypto.randomUUID());
    ids.slice(0, 8).forEach((id, i) => student.send({ type: "send", clientMsgId: id, content: `race ${i}` }));
    const ending = act(people.professor, c.requestIdx, "end");
    ids.slice(8).forEach((id, i) => student.send({ type: "send", clientMsgId: id, content: `race ${i + 8}` }));
    expect((await ending).status).toBe(200);
    await student.closed();

    const archived = contentsOf(await finalOf(r2Archive(), c.requestIdx));
    for (const [i, id] of ids.entries()) {
      const result = student.frames.find((f) => (f.type === "ack" || f.type === "error") && f.clientMsgId === id);
      if (result?.type === "ack") expect(archived, `acked race ${i}`).toContain(`race ${i}`);
      else {
        // Refused, or never answered because the socket closed first: not stored either way.
        if (result) expect(result.code).toBe("INVALID_STATE");
        expect(archived, `unacked race ${i}`).not.toContain(`race ${i}`);
      }
    }
    expect(archived.at(-1)).toBe("상담이 종료되었습니다.");
  });

  it("two ends at once: one COMPLETED, one archive with one ended message", async () => {
    const { c } = await chattedRoom();
    const results = await Promise.all([act(people.student, c.requestIdx, "end"), act(people.professor, c.requestIdx, "end")]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await load(c.requestIdx)).status).toBe("COMPLETED");
    const contents = contentsOf(await finalOf(r2Archive(), c.requestIdx));
    expect(contents.filter((t) => t === "상담이 종료되었습니다.")).toHaveLength(1);
  });
});

/** The real D1 repository, except that the guarded update misses `failures` times (a lost race or a dropped connection). */
function failingUpdates(failures: number): ConsultationRepository {
  const real = getServices(testEnv).repository;
  let left = failures;
  return Object.assign(Object.create(real) as ConsultationRepository, {
    transition: (...args: Parameters<ConsultationRepository["transition"]>) => {
      if (left-- > 0) return Promise.reject(upstreamError("The database", new Error("connection reset")));
      return real.transition(...args);
    },
  });
}

describe("the repository update fails after the archive was written", () => {
  it("a retry converges and never empties the archive", async () => {
    const { c, student } = await chattedRoom();
    const deps = { ...getServices(testEnv), repository: failingUpdates(1) };
    const studentUser: User = { userCode: "STU001", name: "홍길동", role: "student", isCounselor: false, isAdmin: false, exp: null };
    await expect(endConsultation(deps, c.requestIdx, studentUser)).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
    expect((await load(c.requestIdx)).status).toBe("IN_PROGRESS");
    const first = await finalOf(r2Archive(), c.requestIdx);
    expect(contentsOf(first)).toEqual(["상담이 시작되었습니다.", "교수님 안녕하세요", "네, 무엇이 궁금하신가요?", "상담이 종료되었습니다."]);
    // The room stays sealed: nothing can slip in between the archive and COMPLETED.
    expect(await post(student, "too late")).toMatchObject({ type: "error", code: "INVALID_STATE" });

    const done = await actOk(people.professor, c.requestIdx, "end");
    expect(done).toMatchObject({ status: "COMPLETED", endedBy: "PROF001", chatLogKey: `archive/chat_${c.requestIdx}_final.txt` });
    expect(await finalOf(r2Archive(), c.requestIdx)).toBe(first);
  });
});

describe.skipIf(!testS3)("ending with the S3 archive (s3rver)", () => {
  async function endFailsWith(c: Consultation, store: ArchiveStore) {
    await useArchive(c.requestIdx, store);
    const res = await act(people.student, c.requestIdx, "end");
    expect(res).toMatchObject({ status: 503, body: { code: "UPSTREAM_UNAVAILABLE" } });
    expect((await load(c.requestIdx)).status).toBe("IN_PROGRESS");
  }

  it("archive PUT refused (wrong secret) or unreachable: 503, status unchanged, messages kept; a later end succeeds", async () => {
    const { c, student } = await chattedRoom();
    const s3 = s3Store();
    await s3.delete([`archive/chat_${c.requestIdx}_final.txt`]); // the bucket outlives D1's numbering
    await endFailsWith(c, s3Store({ secretAccessKey: "not-the-secret" }));
    await endFailsWith(c, s3Store({ endpoint: stoppedS3Endpoint! }));
    expect(await finalOf(s3, c.requestIdx)).toBeNull();
    expect((await hotMessages(c.requestIdx)).map((m) => m.content)).toEqual([
      "상담이 시작되었습니다.",
      "교수님 안녕하세요",
      "네, 무엇이 궁금하신가요?",
      "상담이 종료되었습니다.",
    ]);
    expect(await post(student, "still here")).toMatchObject({ type: "ack", seq: 5 });

    await useArchive(c.requestIdx, s3);
    expect(await actOk(people.student, c.requestIdx, "end")).toMatchObject({ status: "COMPLETED", chatLogKey: `archive/chat_${c.requestIdx}_final.txt` });
    expect(contentsOf(await finalOf(s3, c.requestIdx))).toEqual([
      "상담이 시작되었습니다.",
      "교수님 안녕하세요",
      "네, 무엇이 궁금하신가요?",
      "상담이 종료되었습니다.",
      "still here",
      "상담이 종료되었습니다.",
    ]);
    expect(await roomRows(c.requestIdx)).toEqual({ hot: 0, log: 0 });
    expect(await snapshotsOf(s3, c.requestIdx)).toEqual([]);
  });

  it("backs up to S3 and replaces the older snapshot", async () => {
    const { c, student } = await chattedRoom();
    const s3 = s3Store();
    await useArchive(c.requestIdx, s3);
    await s3.delete(await snapshotsOf(s3, c.requestIdx));
    const old = `temp/chat_${c.requestIdx}_snapshot_20200101000000.txt`;
    await s3.put(old, "older backup", "text/plain; charset=utf-8");
    await fireDeadline(c.requestIdx, "snapshot");
    const keys = await snapshotsOf(s3, c.requestIdx);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toBe(old);
    expect(contentsOf(await s3.get(keys[0]!))).toEqual(["상담이 시작되었습니다.", "교수님 안녕하세요", "네, 무엇이 궁금하신가요?"]);
    student.close();
  });
});

describe("archive() on a room that is already archived", () => {
  it("returns the same key without rewriting anything", async () => {
    const { c } = await chattedRoom();
    const gateway = getServices(testEnv).rooms;
    const key = `archive/chat_${c.requestIdx}_final.txt`;
    expect(await gateway.archive(c, "STU001")).toEqual({ chatLogKey: key });
    const first = await finalOf(r2Archive(), c.requestIdx);
    expect(await gateway.archive(c, "STU001")).toEqual({ chatLogKey: key });
    expect(await finalOf(r2Archive(), c.requestIdx)).toBe(first);
  });
});
