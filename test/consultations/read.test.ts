import { describe, expect, it } from "vitest";
import type { Consultation } from "../../src/domain/types";
import { createD1Repository } from "../../src/stores/consultation-repository/d1";
import { apiJson, people, testEnv, type Claims } from "../support/api";
import { actOk, createConsultation, namedConsultation, queueItem, uniqueCode } from "../support/consultations";

const { student, student2, professor, professor2, agent, admin } = people;
const ids = (items: { requestIdx: number }[]) => items.map((i) => i.requestIdx);

async function listAll(as: Claims, query: string, limit: number): Promise<{ pages: number; items: Consultation[] }> {
  const items: Consultation[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q: string = `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res = await apiJson<{ items: Consultation[]; nextCursor: string | null }>(`/api/consultations?${q}`, { token: as });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor && pages < 100);
  return { pages, items };
}

describe("GET /api/consultations", () => {
  it("pages newest first with no duplicates or gaps, also across rows created in the same millisecond", async () => {
    const me = { sub: uniqueCode("PAGE"), name: "페이지", role: "student" };
    const created: number[] = [];
    for (let i = 0; i < 9; i++) created.push((await createConsultation(me, { recipientUserCode: "PROF001", title: `t${i}` })).requestIdx);
    // Ties on createdAt are where offset or timestamp-only cursors skip or repeat rows.
    const repo = createD1Repository(testEnv.DB);
    const sameMs = new Date(Date.now() + 1000);
    for (let i = 0; i < 8; i++) {
      const c = await repo.create({
        requesterUserCode: me.sub, requesterName: me.name, recipientUserCode: "PROF002", recipientName: null,
        category: null, title: `tie${i}`, content: null, scheduledAt: null, now: sameMs,
      });
      created.push(c.requestIdx);
    }
    for (const limit of [1, 4, 5, 17, 100]) {
      const { items, pages } = await listAll(me, "x=1", limit);
      expect(ids(items)).toEqual([...created].sort((a, b) => b - a));
      expect(pages).toBe(Math.ceil(created.length / limit)); // no empty trailing page
      const times = items.map((i) => Date.parse(i.createdAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    }
  });

  it("a row inserted between pages neither shifts nor repeats the pages after it", async () => {
    const me = { sub: uniqueCode("SHIFT"), name: "x", role: "student" };
    const first: number[] = [];
    for (let i = 0; i < 6; i++) first.push((await createConsultation(me, { recipientUserCode: "PROF001", title: `t${i}` })).requestIdx);
    const page1 = await apiJson(`/api/consultations?limit=3`, { token: me });
    await createConsultation(me, { recipientUserCode: "PROF001", title: "newer" });
    const page2 = await apiJson(`/api/consultations?limit=3&cursor=${page1.body.nextCursor}`, { token: me });
    expect([...ids(page1.body.items), ...ids(page2.body.items)]).toEqual([...first].reverse());
  });

  it("filters by role and status; sees only the caller's own", async () => {
    const me = { sub: uniqueCode("ROLE"), name: "역할", role: "professor" };
    const asRequester = await createConsultation(me, { recipientUserCode: "PROF001", title: "mine" });
    const asRecipient = await createConsultation(student2, { recipientUserCode: me.sub, title: "to me" });
    await actOk(me, asRecipient.requestIdx, "approve");
    const other = await createConsultation(student2, { recipientUserCode: "PROF002", title: "not mine" });

    const all = await apiJson(`/api/consultations`, { token: me });
    expect(ids(all.body.items)).toEqual([asRecipient.requestIdx, asRequester.requestIdx]);
    expect(ids(all.body.items)).not.toContain(other.requestIdx);
    expect(ids((await apiJson(`/api/consultations?role=requester`, { token: me })).body.items)).toEqual([asRequester.requestIdx]);
    expect(ids((await apiJson(`/api/consultations?role=recipient`, { token: me })).body.items)).toEqual([asRecipient.requestIdx]);
    expect(ids((await apiJson(`/api/consultations?status=SCHEDULED`, { token: me })).body.items)).toEqual([asRecipient.requestIdx]);
    expect(ids((await apiJson(`/api/consultations?status=COMPLETED`, { token: me })).body.items)).toEqual([]);
  });

  it("admins may list everything with all=true; others get 403", async () => {
    const c = await namedConsultation();
    const res = await apiJson(`/api/consultations?all=true&limit=100`, { token: admin });
    expect(res.status).toBe(200);
    expect(ids(res.body.items)).toContain(c.requestIdx);
    const mine = await apiJson(`/api/consultations?limit=100`, { token: admin });
    expect(ids(mine.body.items)).not.toContain(c.requestIdx);
    expect((await apiJson(`/api/consultations?all=true`, { token: professor })).body.code).toBe("FORBIDDEN");
  });

  it("refuses bad query values with 400", async () => {
    for (const q of ["limit=101", "limit=0", "limit=abc", "status=DONE", "role=owner", "cursor=%%%", "cursor=bm90LWpzb24", "all=yes"]) {
      const res = await apiJson(`/api/consultations?${q}`, { token: student });
      expect(res.status, q).toBe(400);
      expect(res.body.code).toBe("VALIDATION");
    }
  });
});

describe("GET /api/consultations/queue", () => {
  it("shows counselors the unassigned PENDING items, oldest first, by category", async () => {
    const category = uniqueCode("cat");
    const a = await queueItem(category);
    const b = await queueItem(category, student2);
    const c = await queueItem(category);
    await actOk(agent, b.requestIdx, "start");
    const other = await queueItem(uniqueCode("cat"));
    const res = await apiJson(`/api/consultations/queue?category=${category}`, { token: professor2 });
    expect(res.status).toBe(200);
    expect(ids(res.body.items)).toEqual([a.requestIdx, c.requestIdx]);
    const everything = await apiJson(`/api/consultations/queue?limit=100`, { token: agent });
    expect(ids(everything.body.items)).toContain(other.requestIdx);
    const all = ids(everything.body.items);
    expect([...all].sort((x, y) => x - y)).toEqual(all);
  });

  it("is for counselors (and admins) only", async () => {
    expect((await apiJson(`/api/consultations/queue`, { token: student })).status).toBe(403);
    expect((await apiJson(`/api/consultations/queue`, { token: admin })).status).toBe(200);
    expect((await apiJson(`/api/consultations/queue`)).status).toBe(401);
  });
});

describe("GET /api/consultations/{id}", () => {
  it("participants and admins read it; others 403; unknown 404", async () => {
    const c = await namedConsultation("SCHEDULED");
    for (const who of [student, professor, admin]) {
      const res = await apiJson(`/api/consultations/${c.requestIdx}`, { token: who });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(c);
    }
    for (const who of [student2, professor2, agent]) expect((await apiJson(`/api/consultations/${c.requestIdx}`, { token: who })).status).toBe(403);
    expect((await apiJson(`/api/consultations/99999999`, { token: admin })).body.code).toBe("NOT_FOUND");
    expect((await apiJson(`/api/consultations/abc`, { token: admin })).body.code).toBe("VALIDATION");
    expect((await apiJson(`/api/consultations/-1`, { token: admin })).body.code).toBe("VALIDATION");
  });

  it("counselors may read an unassigned queue item before taking it", async () => {
    const item = await queueItem();
    expect((await apiJson(`/api/consultations/${item.requestIdx}`, { token: professor2 })).status).toBe(200);
    expect((await apiJson(`/api/consultations/${item.requestIdx}`, { token: student2 })).status).toBe(403);
  });
});

describe("GET /api/admin/stats", () => {
  it("counts by status, mean duration and messages of the last 24 h, for admins only", async () => {
    const before = await apiJson(`/api/admin/stats`, { token: admin });
    expect(before.status).toBe(200);
    const c = await namedConsultation("IN_PROGRESS");
    const repo = createD1Repository(testEnv.DB);
    await repo.recordActivity(c.requestIdx, new Date(), 5);
    await repo.recordActivity(c.requestIdx, new Date(), 8);
    await repo.recordActivity(c.requestIdx, new Date(), 8); // no new messages: counts nothing
    await actOk(student, c.requestIdx, "end");
    const after = await apiJson(`/api/admin/stats`, { token: admin });
    expect(after.body.byStatus.COMPLETED).toBe(before.body.byStatus.COMPLETED + 1);
    expect(Object.keys(after.body.byStatus).sort()).toEqual(["CANCELLED", "COMPLETED", "IN_PROGRESS", "PENDING", "REJECTED", "SCHEDULED"]);
    expect(after.body.messagesLast24h).toBe(before.body.messagesLast24h + 8);
    expect(after.body.meanDurationMinutes).toBe(0);
    for (const who of [student, professor]) expect((await apiJson(`/api/admin/stats`, { token: who })).status).toBe(403);
  });
});
