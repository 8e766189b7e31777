/**
 * DESIGN.md decision 9: a stored message costs one storage statement in the room (its log
 * row, which is also its dedupe key and the record of the tail; issue 12 allowed three),
 * counted through the test main module's counting SQL handle, not estimated. The first
 * send after a wake may load the room's bookkeeping; the budget is for the sends after
 * it. What else a run of sends writes is rare: the deadlines (often here: the hot-store
 * TTL of these projects is 3.6 s), a meta checkpoint.
 */
import { expect, it } from "vitest";
import { people } from "../../support/api";
import { namedConsultation } from "../../support/consultations";
import { sqlStatements } from "../../support/rooms";
import { connect, post } from "../../support/sockets";

const SENDS = 20;

it(`a send runs at most 1.5 SQL statements (${SENDS} sends, two sockets)`, async () => {
  const c = await namedConsultation("IN_PROGRESS");
  const s = (await connect(c.requestIdx, { token: people.student })).client;
  const p = (await connect(c.requestIdx, { token: people.professor })).client;
  await post(s, "warm-up");
  await p.next("message");
  const before = (await sqlStatements(c.requestIdx)).length;
  for (let i = 0; i < SENDS; i++) {
    const ack = await post(i % 2 ? p : s, `message ${i}`);
    expect(ack).toMatchObject({ type: "ack" });
  }
  // Let the background work of the last batch (deadlines, notices) finish before counting.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const ran = (await sqlStatements(c.requestIdx)).slice(before);
  const perSend = ran.length / SENDS;
  console.log(`statements per send: ${perSend}\n` + summarize(ran));
  expect(perSend).toBeLessThanOrEqual(1.5);
  expect(ran.filter((q) => q.startsWith("INSERT OR REPLACE INTO archive_log"))).toHaveLength(SENDS);
  s.close();
  p.close();
});

it("the first message of a SCHEDULED consultation (the auto-start) runs at most 13 SQL statements in the room", async () => {
  const c = await namedConsultation("SCHEDULED");
  const s = (await connect(c.requestIdx, { token: people.student })).client;
  const p = (await connect(c.requestIdx, { token: people.professor })).client;
  const before = (await sqlStatements(c.requestIdx)).length;
  expect(await post(s, "first")).toMatchObject({ type: "ack", seq: 2 });
  // "started" and the message arrive as one stored batch: the SYSTEM message, status, then the message.
  await p.next((f) => f.type === "message" && f.message.seq === 2);
  const seen = p.frames.filter((f) => f.type === "message" || f.type === "status").map((f) => (f.type === "status" ? f.status : f.message.seq));
  expect(seen).toEqual([1, "IN_PROGRESS", 2]);
  // The repository's record of the start, a macrotask later, and the batch's background
  // work: among it, once per room, the one meta write of what the room learned of its
  // participants' inboxes (neither has a socket open here), kept across its wakes.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const ran = (await sqlStatements(c.requestIdx)).slice(before);
  console.log(`statements of the first message: ${ran.length}\n` + summarize(ran));
  expect(ran.length).toBeLessThanOrEqual(13);
  s.close();
  p.close();
});

function summarize(statements: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const q of statements) counts.set(q.slice(0, 110), (counts.get(q.slice(0, 110)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([q, n]) => `${String(n).padStart(4)}  ${q}`).join("\n");
}
