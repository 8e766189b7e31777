/** SPEC section 14: per-requester limits on creating consultations. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/config";
import { getServices } from "../../src/config/services";
import { api, apiJson, people, testEnv, type Claims } from "../support/api";

const withLimits = (maxOpen: string, perHour: string): Env => ({ ...testEnv, MAX_OPEN_REQUESTS: maxOpen, CREATES_PER_HOUR: perHour });

let n = 0;
/** A requester of its own, so limits counted in one test never touch another. */
const newStudent = (): Claims => ({ sub: `LIM${Date.now().toString(36)}${n++}`, name: "제한 학생", role: "student" });

async function create(who: Claims, env: Env, body: Record<string, unknown> = { recipientUserCode: "PROF001", title: "질문" }) {
  const res = await api("/api/consultations", { token: who, body, env });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe("MAX_OPEN_REQUESTS", () => {
  it("refuses a requester's next consultation with 429 once they hold the maximum open", async () => {
    const env = withLimits("3", "0");
    const student = newStudent();
    const ids: number[] = [];
    for (const body of [{ recipientUserCode: "PROF001", title: "a" }, { category: "학사", title: "b" }, { recipientUserCode: "PROF002", title: "c" }]) {
      const res = await create(student, env, body);
      expect(res.status).toBe(201);
      ids.push(res.body.requestIdx);
    }
    const refused = await create(student, env);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: "RATE_LIMITED", error: expect.stringMatching(/3 open consultations/) });
    // Only the requester can free a place (end, cancel): no time to wait for.
    expect(refused.headers.get("Retry-After")).toBeNull();
    // Nothing was written by the refused request.
    const list = await apiJson("/api/consultations?role=requester", { token: student, env });
    expect(list.body.items).toHaveLength(3);
    // Others are not affected by this requester's load.
    expect((await create(newStudent(), env)).status).toBe(201);
    // A closed consultation no longer counts.
    expect((await apiJson(`/api/consultations/${ids[0]}/cancel`, { token: student, body: {}, env })).status).toBe(200);
    expect((await create(student, env)).status).toBe(201);
    expect((await create(student, env)).status).toBe(429);
  });

  it("counts SCHEDULED and IN_PROGRESS as open, COMPLETED and REJECTED not", async () => {
    const env = withLimits("2", "0");
    const student = newStudent();
    const a = (await create(student, env)).body.requestIdx;
    const b = (await create(student, env)).body.requestIdx;
    expect((await apiJson(`/api/consultations/${a}/approve`, { token: people.professor, body: {}, env })).body.status).toBe("SCHEDULED");
    expect((await apiJson(`/api/consultations/${b}/start`, { token: people.professor, body: {}, env })).body.status).toBe("IN_PROGRESS");
    expect((await create(student, env)).status).toBe(429);
    expect((await apiJson(`/api/consultations/${b}/end`, { token: student, body: {}, env })).body.status).toBe("COMPLETED");
    const c = await create(student, env);
    expect(c.status).toBe(201);
    expect((await create(student, env)).status).toBe(429);
    expect((await apiJson(`/api/consultations/${c.body.requestIdx}/reject`, { token: people.professor, body: { reason: "일정" }, env })).body.status).toBe("REJECTED");
    expect((await create(student, env)).status).toBe(201);
  });

  it("holds under a burst of parallel creates: exactly the maximum get through", async () => {
    const env = withLimits("5", "0");
    const student = newStudent();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => create(student, env, { recipientUserCode: "PROF001", title: `burst ${i}` })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(15);
    expect((await apiJson("/api/consultations?role=requester", { token: student, env })).body.items).toHaveLength(5);
  });
});

describe("CREATES_PER_HOUR", () => {
  it("refuses the next create within the hour with 429, whatever became of the earlier ones", async () => {
    const env = withLimits("0", "4");
    const student = newStudent();
    // Two created just over an hour ago do not count.
    const repository = getServices(env).repository;
    const old = new Date(Date.now() - 3600_000 - 5_000);
    for (const title of ["old 1", "old 2"]) {
      await repository.create({ requesterUserCode: student.sub, requesterName: "x", recipientUserCode: "PROF001", recipientName: null, category: null, title, content: null, scheduledAt: null, now: old });
    }
    for (let i = 0; i < 4; i++) {
      const res = await create(student, env);
      expect(res.status, `create ${i + 1}`).toBe(201);
      await apiJson(`/api/consultations/${res.body.requestIdx}/cancel`, { token: student, body: {}, env });
    }
    const refused = await create(student, env);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: "RATE_LIMITED", error: expect.stringMatching(/4 consultations may be created per hour/) });
    // A place frees when the first of the four leaves the hour: just under an hour from now.
    const retryAfter = Number(refused.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect((await create(newStudent(), env)).status).toBe(201);
  });

  it("holds under a burst of parallel creates", async () => {
    const env = withLimits("0", "3");
    const student = newStudent();
    const results = await Promise.all(Array.from({ length: 12 }, () => create(student, env)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, ...Array(9).fill(429)]);
  });
});

describe("limits configuration", () => {
  it("defaults to 10 open and 30 per hour, 0 turns a limit off", async () => {
    const base = { ...testEnv, MAX_OPEN_REQUESTS: undefined, CREATES_PER_HOUR: undefined };
    expect(parseConfig(base).limits).toEqual({ maxOpenRequests: 10, createsPerHour: 30 });
    expect(parseConfig(base).requireExp).toBe(true);
    const env = withLimits("0", "0");
    const student = newStudent();
    for (let i = 0; i < 12; i++) expect((await create(student, env)).status).toBe(201);
  });

  it("applies the defaults when the variables are not set (blank = not set)", async () => {
    const env = withLimits("", "");
    const student = newStudent();
    for (let i = 0; i < 10; i++) expect((await create(student, env)).status).toBe(201);
    expect((await create(student, env)).status).toBe(429);
  });
});
