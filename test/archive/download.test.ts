import { describe, expect, it } from "vitest";
import { TRANSCRIPT_CONTENT_TYPE } from "../../src/protocol/transcript";
import { getServices } from "../../src/config/services";
import { archiveKeys } from "../../src/stores/archive-store/port";
import { s3Store, stoppedS3Endpoint, testS3 } from "./support/adapters";
import { api, apiJson, people, testEnv } from "../support/api";

const TRANSCRIPT = "==================================================\n       상담 채팅 기록\n내용: 안녕하세요\n";
const path = (id: number | string) => `/api/chat/archive/download/${id}`;

/** A consultation of STU001 with PROF001 (row only; the archive is written by each test). */
async function consultation(env: Env = testEnv) {
  const repo = getServices(env).repository;
  const c = await repo.create({
    requesterUserCode: people.student.sub,
    requesterName: people.student.name,
    recipientUserCode: people.professor.sub,
    recipientName: people.professor.name,
    category: null,
    title: "질문",
    content: null,
    scheduledAt: null,
    now: new Date(),
  });
  return c.requestIdx;
}

async function expectAttachment(res: Response, id: number, body: string) {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
  expect(res.headers.get("content-disposition")).toBe(`attachment; filename="archived-chat-log-${id}.txt"`);
  expect(await res.text()).toBe(body);
}

describe("GET /api/chat/archive/download/{requestIdx} (R2 binding)", () => {
  it("gives participants and admins the archived transcript as an attachment", async () => {
    const id = await consultation();
    await getServices(testEnv).archive.put(archiveKeys.final(id), TRANSCRIPT, TRANSCRIPT_CONTENT_TYPE);
    for (const who of [people.student, people.professor, people.admin]) {
      await expectAttachment(await api(path(id), { token: who }), id, TRANSCRIPT);
    }
  });

  it("reads the key recorded as chatLogKey once the consultation is COMPLETED", async () => {
    const id = await consultation();
    const repo = getServices(testEnv).repository;
    const now = new Date();
    await repo.transition(id, { statuses: ["PENDING"] }, { status: "IN_PROGRESS", startedAt: now, now });
    await repo.transition(
      id,
      { statuses: ["IN_PROGRESS"] },
      { status: "COMPLETED", endedAt: now, durationMinutes: 0, chatLogKey: archiveKeys.final(id), endedBy: "STU001", now },
    );
    await getServices(testEnv).archive.put(archiveKeys.final(id), "final", TRANSCRIPT_CONTENT_TYPE);
    await expectAttachment(await api(path(id), { token: people.professor }), id, "final");
  });

  it("404 NOT_FOUND when the consultation has no archive (e.g. ended without messages)", async () => {
    const id = await consultation();
    expect(await apiJson(path(id), { token: people.student })).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  });

  it("404 NOT_FOUND for an unknown consultation", async () => {
    expect(await apiJson(path(987654321), { token: people.admin })).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  });

  it("403 FORBIDDEN for anyone else, counselors included, without revealing the archive", async () => {
    const id = await consultation();
    await getServices(testEnv).archive.put(archiveKeys.final(id), TRANSCRIPT, TRANSCRIPT_CONTENT_TYPE);
    for (const who of [people.student2, people.professor2, people.agent]) {
      const res = await apiJson(path(id), { token: who });
      expect(res).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
      expect(JSON.stringify(res.body)).not.toContain("상담");
    }
  });

  it("401 UNAUTHORIZED without a valid token", async () => {
    const id = await consultation();
    expect(await apiJson(path(id))).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED" } });
    expect(await apiJson(path(id), { token: "not-a-jwt" })).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED" } });
  });

  it("400 VALIDATION for a malformed request number", async () => {
    for (const bad of ["abc", "0", "-3", "1.5", "99999999999999999999"]) {
      expect(await apiJson(path(bad), { token: people.admin })).toMatchObject({ status: 400, body: { code: "VALIDATION" } });
    }
  });

  it("is listed in /openapi.json", async () => {
    const { body } = await apiJson<{ paths: Record<string, { get?: unknown }> }>("/openapi.json");
    expect(body.paths["/api/chat/archive/download/{requestIdx}"]?.get).toBeDefined();
  });
});

describe.skipIf(!testS3)("GET /api/chat/archive/download/{requestIdx} (S3 archive)", () => {
  const s3Env = (endpoint = testS3!.endpoint): Env => ({
    ...testEnv,
    S3_ENDPOINT: endpoint,
    S3_REGION: testS3!.region,
    S3_ACCESS_KEY_ID: testS3!.accessKeyId,
    S3_SECRET_ACCESS_KEY: testS3!.secretAccessKey,
    CHAT_ARCHIVE_BUCKET: testS3!.bucket,
  });

  it("serves the transcript from the S3 bucket", async () => {
    const env = s3Env();
    const id = await consultation(env);
    // The D1 row numbers are per test file, the bucket is shared by the run: start clean.
    await s3Store().delete([archiveKeys.final(id)]);
    expect(await apiJson(path(id), { token: people.student, env })).toMatchObject({ status: 404 });
    await s3Store().put(archiveKeys.final(id), TRANSCRIPT, TRANSCRIPT_CONTENT_TYPE);
    await expectAttachment(await api(path(id), { token: people.student, env }), id, TRANSCRIPT);
  });

  it("503 UPSTREAM_UNAVAILABLE when the archive cannot be reached", async () => {
    const env = s3Env(stoppedS3Endpoint!);
    const id = await consultation(env);
    expect(await apiJson(path(id), { token: people.student, env })).toMatchObject({
      status: 503,
      body: { code: "UPSTREAM_UNAVAILABLE" },
    });
  });
});
