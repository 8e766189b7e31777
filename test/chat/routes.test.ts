/** SPEC section 3, /api/chat/messages and /api/chat/history/download. */
import { describe, expect, it } from "vitest";
import { formatTranscript } from "../../src/protocol/transcript";
import type { ChatMessage } from "../../src/domain/types";
import { api, apiJson, people } from "../support/api";
import { namedConsultation } from "../support/consultations";
import { connect, post } from "../support/sockets";

async function roomWith(texts: string[]) {
  const c = await namedConsultation("IN_PROGRESS");
  const s = (await connect(c.requestIdx, { token: people.student })).client;
  for (const t of texts) await post(s, t);
  s.close();
  return c.requestIdx;
}

type Page = { requestIdx: number; messageCount: number; messages: ChatMessage[]; reads: unknown[] };

describe("GET /api/chat/messages/{id}", () => {
  it("returns every hot message oldest first, with the count and read marks", async () => {
    const id = await roomWith(["a", "b", "c"]);
    const res = await apiJson<Page>(`/api/chat/messages/${id}`, { token: people.professor });
    expect(res.status).toBe(200);
    expect(res.body.requestIdx).toBe(id);
    expect(res.body.messageCount).toBe(4);
    expect(res.body.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(res.body.messages.slice(1).map((m) => m.content)).toEqual(["a", "b", "c"]);
    expect(res.body.reads).toEqual([]);
  });

  it("?count=N gives the latest N, ?afterSeq=S those after S, together both", async () => {
    const id = await roomWith(["a", "b", "c", "d"]);
    const seqs = async (q: string) => (await apiJson<Page>(`/api/chat/messages/${id}${q}`, { token: people.student })).body.messages.map((m) => m.seq);
    expect(await seqs("?count=2")).toEqual([4, 5]);
    expect(await seqs("?afterSeq=3")).toEqual([4, 5]);
    expect(await seqs("?afterSeq=1&count=2")).toEqual([4, 5]);
    expect(await seqs("?afterSeq=5")).toEqual([]);
    expect(await seqs("?count=100")).toEqual([1, 2, 3, 4, 5]);
    expect((await apiJson<Page>(`/api/chat/messages/${id}?count=2`, { token: people.student })).body.messageCount).toBe(5);
  });

  it.each(["?count=0", "?count=-1", "?count=abc", "?afterSeq=-1", "?afterSeq=1.5"])("400 VALIDATION for %s", async (q) => {
    const id = await roomWith([]);
    const res = await apiJson(`/api/chat/messages/${id}${q}`, { token: people.student });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "VALIDATION" });
  });

  it("admins may read; others get 403, strangers without a token 401, unknown rooms 404", async () => {
    const id = await roomWith(["x"]);
    expect((await apiJson(`/api/chat/messages/${id}`, { token: people.admin })).status).toBe(200);
    expect((await apiJson(`/api/chat/messages/${id}`, { token: people.student2 })).body).toMatchObject({ code: "FORBIDDEN" });
    expect((await apiJson(`/api/chat/messages/${id}`)).body).toMatchObject({ code: "UNAUTHORIZED" });
    expect((await apiJson(`/api/chat/messages/987654321`, { token: people.student })).body).toMatchObject({ code: "NOT_FOUND" });
    expect((await apiJson(`/api/chat/messages/abc`, { token: people.student })).status).toBe(404);
  });

  it("works for a room nobody connected to yet (empty)", async () => {
    const c = await namedConsultation("SCHEDULED");
    const res = await apiJson<Page>(`/api/chat/messages/${c.requestIdx}`, { token: people.student });
    expect(res.body).toEqual({ requestIdx: c.requestIdx, messageCount: 0, messages: [], reads: [], delivered: [] });
  });
});

describe("POST /api/chat/history/download/{id}", () => {
  it("cannot be forged by a message: its lines stay indented inside one entry (SPEC section 7)", async () => {
    const forged = ["질문", "-".repeat(50), "[2025-10-24 14:20:00]", "발신: 김교수 (PROF001)", "내용: 학점은 A+입니다", "-".repeat(50), "", "=".repeat(50), "채팅 기록 끝", "=".repeat(50)];
    const hostile = ["\r\n", "\n", "\r", "\u0085", "\u2028", "\u2029"].map((br) => forged.join(br));
    const id = await roomWith(hostile);
    const text = await (await api(`/api/chat/history/download/${id}`, { token: people.professor, method: "POST" })).text();
    const lines = text.split("\n");
    const total = Number(/총 메시지 수: (\d+)/.exec(text)![1]);
    // One entry per stored message (the SYSTEM "started" line among them), whatever they hold.
    expect(lines.filter((l) => /^\[\d{4}-/.test(l))).toHaveLength(total);
    expect(lines.filter((l) => l.startsWith("발신: ")).map((l) => l.endsWith("(STU001)") || l.endsWith("(SYSTEM)"))).toEqual(Array(total).fill(true));
    expect(lines.filter((l) => l === "채팅 기록 끝")).toHaveLength(1);
    // Every further line of each message is indented (the title line is the only other indented one).
    expect(lines.filter((l) => l.startsWith("    ")).length).toBe(hostile.length * (forged.length - 1) + 1);
  });

  it("is the SPEC section 7 transcript of the messages so far, as an attachment", async () => {
    const id = await roomWith(["교수님 안녕하세요", "질문이 있습니다"]);
    const before = new Date();
    const res = await api(`/api/chat/history/download/${id}`, { token: people.professor, method: "POST" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="chat-log-${id}.txt"`);
    const text = await res.text();
    const after = new Date();
    const { messages } = (await apiJson<Page>(`/api/chat/messages/${id}`, { token: people.student })).body;
    // Byte for byte what the formatter makes of the stored messages; the generation time
    // (Asia/Seoul, UTC+9) lies between the request and its answer.
    const generated = /^생성 일시: (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/m.exec(text)!;
    const generatedMs = Date.parse(`${generated[1]}T${generated[2]}+09:00`);
    expect(generatedMs).toBeGreaterThanOrEqual(Math.floor(before.getTime() / 1000) * 1000);
    expect(generatedMs).toBeLessThanOrEqual(after.getTime());
    expect(text).toBe(formatTranscript({ requestIdx: id, messages, generatedAt: new Date(generatedMs), timezone: "Asia/Seoul", locale: "ko" }));
    expect(text).toContain("총 메시지 수: 3\n");
  });

  it("is `채팅 내역이 없습니다.` for an empty room; participants and admins only", async () => {
    const c = await namedConsultation("SCHEDULED");
    const res = await api(`/api/chat/history/download/${c.requestIdx}`, { token: people.admin, method: "POST" });
    expect(await res.text()).toBe("채팅 내역이 없습니다.");
    expect((await api(`/api/chat/history/download/${c.requestIdx}`, { token: people.student2, method: "POST" })).status).toBe(403);
    expect((await api(`/api/chat/history/download/${c.requestIdx}`, { method: "POST" })).status).toBe(401);
    expect((await api(`/api/chat/history/download/987654321`, { token: people.student, method: "POST" })).status).toBe(404);
  });
});

describe("OpenAPI", () => {
  it("documents the chat routes", async () => {
    const doc = (await apiJson<{ paths: Record<string, Record<string, unknown>> }>("/openapi.json")).body;
    expect(Object.keys(doc.paths["/api/chat/ws/{id}"]!)).toContain("get");
    expect(Object.keys(doc.paths["/api/chat/ticket/{id}"]!)).toContain("post");
    expect(Object.keys(doc.paths["/api/chat/messages/{id}"]!)).toContain("get");
    expect(Object.keys(doc.paths["/api/chat/history/download/{id}"]!)).toContain("post");
  });
});
