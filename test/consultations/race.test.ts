import { describe, expect, it } from "vitest";
import { people } from "../support/api";
import { act, namedConsultation, queueItem } from "../support/consultations";

const counselors = Array.from({ length: 12 }, (_, i) => ({ sub: `RACE${i}`, name: `상담원${i}`, role: "agent" }));

function tally(results: { status: number; body: { code?: string } }[]) {
  const winners = results.filter((r) => r.status === 200);
  const losers = results.filter((r) => r.status !== 200);
  return { winners, losers };
}

describe("concurrent takers of one queue item", () => {
  for (const action of ["start", "approve"] as const) {
    it(`${action}: exactly one counselor wins, every other gets 409`, async () => {
      const item = await queueItem(`race-${action}`);
      const results = await Promise.all(counselors.map((c) => act(c, item.requestIdx, action)));
      const { winners, losers } = tally(results);
      expect(winners).toHaveLength(1);
      for (const l of losers) expect(l, JSON.stringify(l.body)).toMatchObject({ status: 409, body: { code: "INVALID_STATE" } });
      const winner = winners[0]!.body as { recipientUserCode: string };
      expect(counselors.map((c) => c.sub)).toContain(winner.recipientUserCode);
    });
  }

  it("mixed approves and starts: one winner, the rest 409", async () => {
    const item = await queueItem("race-mixed");
    const results = await Promise.all(counselors.map((c, i) => act(c, item.requestIdx, i % 2 ? "approve" : "start")));
    const { winners, losers } = tally(results);
    expect(winners).toHaveLength(1);
    expect(losers.every((l) => l.status === 409)).toBe(true);
  });
});

describe("concurrent actions on one consultation", () => {
  it("a double-clicked approve succeeds once", async () => {
    const c = await namedConsultation();
    const results = await Promise.all([1, 2, 3, 4].map(() => act(people.professor, c.requestIdx, "approve")));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
  });

  it("cancel racing start: exactly one of them happens", async () => {
    const c = await namedConsultation("SCHEDULED");
    const [cancel, start] = await Promise.all([act(people.student, c.requestIdx, "cancel"), act(people.professor, c.requestIdx, "start")]);
    expect([cancel.status, start.status].sort()).toEqual([200, 409]);
  });

  it("both participants ending at once: one 200, one 409, ended once", async () => {
    const c = await namedConsultation("IN_PROGRESS");
    const results = await Promise.all([act(people.student, c.requestIdx, "end"), act(people.professor, c.requestIdx, "end")]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });
});
