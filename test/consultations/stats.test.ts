/**
 * GET /api/admin/stats service metrics (SPEC section 15), against rows the test writes with
 * its own timestamps through the Worker's repository. The window lies in a past year no
 * other test writes to, and the counselors and categories are unique to this run.
 */
import { describe, expect, it } from "vitest";
import { getServices } from "../../src/config/services";
import type { TransitionChanges } from "../../src/stores/consultation-repository/port";
import { api, apiJson, people, testEnv, type Claims } from "../support/api";
import { uniqueCode } from "../support/consultations";

const repo = () => getServices(testEnv).repository;
const S = 1000;
const DAY = 86_400 * S;
// 03:00 UTC (12:00 in Asia/Seoul) on a random day of 2001–2019.
const BASE = Date.UTC(2001 + Math.floor(Math.random() * 19), 0, 1, 3) + Math.floor(Math.random() * 300) * DAY;
const at = (ms: number) => new Date(BASE + ms);
const FROM = at(0);
const TO = at(2 * DAY);
const window = `from=${FROM.toISOString()}&to=${TO.toISOString()}`;

const CA = uniqueCode("CA");
const CB = uniqueCode("CB");
const CC = uniqueCode("CC");
const CAT_X = uniqueCode("catx");
const CAT_Y = uniqueCode("caty");

interface Seed {
  created: number;
  recipient: string | null;
  category: string | null;
  started?: number;
  firstResponse?: number;
  messages?: number;
  ended?: { at: number; minutes: number };
  rejected?: number;
  cancelled?: number;
}

/** Writes one consultation through the repository, moving it along the seed's timestamps. */
async function seed(s: Seed): Promise<void> {
  const r = repo();
  const c = await r.create({
    requesterUserCode: "STU001", requesterName: "홍길동", recipientUserCode: s.recipient, recipientName: s.recipient,
    category: s.category, title: "metrics", content: null, scheduledAt: null, now: at(s.created),
  });
  let status = c.status;
  const move = async (changes: TransitionChanges) => {
    const row = await r.transition(c.requestIdx, { statuses: [status] }, changes);
    expect(row).not.toBeNull();
    status = row!.status;
  };
  if (s.rejected !== undefined) await move({ status: "REJECTED", now: at(s.rejected) });
  if (s.cancelled !== undefined) await move({ status: "CANCELLED", now: at(s.cancelled) });
  if (s.started === undefined) return;
  await move({ status: "IN_PROGRESS", startedAt: at(s.started), now: at(s.started) });
  if (s.firstResponse !== undefined) await r.recordFirstResponse(c.requestIdx, at(s.firstResponse));
  if (s.messages) await r.recordActivity(c.requestIdx, at(s.started + S), s.messages);
  if (s.ended) await move({ status: "COMPLETED", endedAt: at(s.ended.at), durationMinutes: s.ended.minutes, now: at(s.ended.at) });
}

const seeds: Seed[] = [
  // Completed the same day: wait 60 s, first response 90 s.
  { created: 0, recipient: CA, category: CAT_X, started: 60 * S, firstResponse: 150 * S, messages: 5, ended: { at: 3600 * S, minutes: 59 } },
  // Started, never answered (no first response), still open.
  { created: 600 * S, recipient: CA, category: CAT_X, started: 900 * S, messages: 1 },
  // Started day 0, completed day 1: wait 30 s, first response 10 s.
  { created: 1200 * S, recipient: CB, category: CAT_Y, started: 1230 * S, firstResponse: 1240 * S, messages: 8, ended: { at: DAY + 60 * S, minutes: 1440 } },
  { created: 1800 * S, recipient: CB, category: CAT_Y, rejected: 1900 * S },
  // An unassigned queue item, still waiting.
  { created: 2000 * S, recipient: null, category: CAT_Y },
  { created: DAY + 100 * S, recipient: CB, category: null, cancelled: DAY + 200 * S },
  // Created before the window, started in it: counts for wait / first response / messages only.
  { created: -3600 * S, recipient: CC, category: CAT_X, started: 100 * S, firstResponse: 120 * S, messages: 2 },
  // Created at `to` (exclusive) and later: outside.
  { created: 2 * DAY, recipient: CA, category: CAT_X, started: 2 * DAY + 5 * S, firstResponse: 2 * DAY + 6 * S, messages: 3 },
  // Everything before the window.
  { created: -2 * DAY, recipient: CA, category: CAT_X, started: -2 * DAY + S, firstResponse: -2 * DAY + 2 * S, messages: 4, ended: { at: -DAY, minutes: 3 } },
];

const measures = (m: Partial<Record<string, unknown>>) => ({
  created: 0, completed: 0, rejected: 0, cancelled: 0, messages: 0,
  waitSeconds: { mean: null, p90: null }, firstResponseSeconds: { mean: null, p90: null }, durationMinutes: { mean: null },
  ...m,
});

const TOTALS = measures({
  created: 6, completed: 2, rejected: 1, cancelled: 1, messages: 16,
  // waits 60, 300, 30, 3700 → sorted [30, 60, 300, 3700]; nearest rank ceil(0.9·4) = 4.
  waitSeconds: { mean: 1022.5, p90: 3700 },
  // first responses 90, 10, 20 → nearest rank ceil(0.9·3) = 3.
  firstResponseSeconds: { mean: 40, p90: 90 },
  durationMinutes: { mean: 749.5 },
});

const stats = (query: string, token: Claims = people.admin) => apiJson(`/api/admin/stats?${query}`, { token });

let seeded: Promise<void> | null = null;
const ready = () => (seeded ??= (async () => { for (const s of seeds) await seed(s); })());

describe("GET /api/admin/stats metrics", () => {
  it("totals of the window, with the earlier fields kept", async () => {
    await ready();
    const res = await stats(window);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: FROM.toISOString(), to: TO.toISOString(), groupBy: null, groups: [], totals: TOTALS });
    expect(res.body.byStatus).toHaveProperty("COMPLETED");
    expect(typeof res.body.messagesLast24h).toBe("number");
    expect("meanDurationMinutes" in res.body).toBe(true);
  });

  it("groupBy=counselor: the current recipient; null for the unassigned", async () => {
    await ready();
    const res = await stats(`${window}&groupBy=counselor`);
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual(TOTALS);
    expect(res.body.groups).toEqual([
      { key: CA, ...measures({ created: 2, completed: 1, messages: 6, waitSeconds: { mean: 180, p90: 300 }, firstResponseSeconds: { mean: 90, p90: 90 }, durationMinutes: { mean: 59 } }) },
      { key: CB, ...measures({ created: 3, completed: 1, rejected: 1, cancelled: 1, messages: 8, waitSeconds: { mean: 30, p90: 30 }, firstResponseSeconds: { mean: 10, p90: 10 }, durationMinutes: { mean: 1440 } }) },
      { key: CC, ...measures({ messages: 2, waitSeconds: { mean: 3700, p90: 3700 }, firstResponseSeconds: { mean: 20, p90: 20 } }) },
      { key: null, ...measures({ created: 1 }) },
    ]);
  });

  it("groupBy=category", async () => {
    await ready();
    const res = await stats(`${window}&groupBy=category`);
    expect(res.status).toBe(200);
    expect(res.body.groups).toEqual([
      { key: CAT_X, ...measures({ created: 2, completed: 1, messages: 8, waitSeconds: { mean: 1353.333, p90: 3700 }, firstResponseSeconds: { mean: 55, p90: 90 }, durationMinutes: { mean: 59 } }) },
      { key: CAT_Y, ...measures({ created: 3, completed: 1, rejected: 1, messages: 8, waitSeconds: { mean: 30, p90: 30 }, firstResponseSeconds: { mean: 10, p90: 10 }, durationMinutes: { mean: 1440 } }) },
      { key: null, ...measures({ created: 1, cancelled: 1 }) },
    ]);
  });

  it("groupBy=day: local days (TRANSCRIPT_TIMEZONE) of each event, every day of the window listed", async () => {
    await ready();
    const day = (ms: number) => new Intl.DateTimeFormat("en-CA", { timeZone: testEnv.TRANSCRIPT_TIMEZONE }).format(at(ms));
    const res = await stats(`${window}&groupBy=day`);
    expect(res.status).toBe(200);
    expect(res.body.groups).toEqual([
      // Day 0: five created, one completed, one rejected; all four starts.
      { key: day(0), ...measures({ created: 5, completed: 1, rejected: 1, messages: 16, waitSeconds: TOTALS.waitSeconds, firstResponseSeconds: TOTALS.firstResponseSeconds, durationMinutes: { mean: 59 } }) },
      { key: day(DAY), ...measures({ created: 1, completed: 1, cancelled: 1, durationMinutes: { mean: 1440 } }) },
      // The window ends at noon of day 2 (Seoul): the day is listed, with nothing in it.
      { key: day(2 * DAY - S), ...measures({}) },
    ]);
    expect(res.body.totals).toEqual(TOTALS);
  });

  it("nulls and zeros where there is nothing to measure", async () => {
    const empty = `from=${at(-400 * DAY).toISOString()}&to=${at(-399 * DAY).toISOString()}`;
    const res = await stats(`${empty}&groupBy=counselor`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totals: measures({}), groups: [] });
  });

  it("defaults to the last 30 days", async () => {
    const before = Date.now();
    const res = await stats("");
    expect(res.status).toBe(200);
    const to = Date.parse(res.body.to);
    expect(to).toBeGreaterThanOrEqual(before);
    expect(to).toBeLessThanOrEqual(Date.now());
    expect(to - Date.parse(res.body.from)).toBe(30 * DAY);
    const onlyTo = await stats(`to=${TO.toISOString()}`);
    expect(onlyTo.body.from).toBe(at(-28 * DAY).toISOString());
  });

  it("?format=csv: the same numbers, a header row, an attachment", async () => {
    await ready();
    const json = (await stats(`${window}&groupBy=counselor`)).body;
    const res = await api(`/api/admin/stats?${window}&groupBy=counselor&format=csv`, { token: people.admin });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("Content-Disposition")).toBe('attachment; filename="consultation-stats-counselor.csv"');
    const lines = (await res.text()).split("\r\n");
    expect(lines.pop()).toBe("");
    expect(lines[0]).toBe(
      "kind,key,created,completed,rejected,cancelled,messages,waitSecondsMean,waitSecondsP90,firstResponseSecondsMean,firstResponseSecondsP90,durationMinutesMean",
    );
    const cell = (v: number | null) => (v === null ? "" : String(v));
    const row = (kind: string, key: string | null, m: typeof TOTALS) =>
      [kind, key ?? "", m.created, m.completed, m.rejected, m.cancelled, m.messages, cell(m.waitSeconds.mean), cell(m.waitSeconds.p90),
        cell(m.firstResponseSeconds.mean), cell(m.firstResponseSeconds.p90), cell(m.durationMinutes.mean)].join(",");
    expect(lines.slice(1)).toEqual([...json.groups.map((g: typeof TOTALS & { key: string | null }) => row("group", g.key, g)), row("total", null, json.totals)]);
    expect(lines[1]).toBe(`group,${CA},2,1,0,0,6,180,300,90,90,59`);
  });

  it("CSV cells are quoted, and a leading formula character is defused", async () => {
    const tricky = `=HYPERLINK("x"),${uniqueCode("c")}`;
    await seed({ created: -100 * DAY, recipient: null, category: tricky });
    const res = await api(`/api/admin/stats?from=${at(-101 * DAY).toISOString()}&to=${at(-99 * DAY).toISOString()}&groupBy=category&format=csv`, { token: people.admin });
    expect(res.headers.get("Content-Disposition")).toBe('attachment; filename="consultation-stats-category.csv"');
    const lines = (await res.text()).split("\r\n");
    expect(lines).toContain(`group,"'${tricky.replaceAll('"', '""')}",1,0,0,0,0,,,,,`);
    expect(lines).toContain("total,,1,0,0,0,0,,,,,");
  });

  it("403 for non-admins (before any validation), 401 without a token", async () => {
    for (const who of [people.student, people.professor, people.agent]) {
      for (const q of [window, "from=nonsense", "format=csv"]) {
        const res = await stats(q, who);
        expect(res.status).toBe(403);
        expect(res.body.code).toBe("FORBIDDEN");
      }
    }
    expect((await api(`/api/admin/stats?${window}`)).status).toBe(401);
  });

  it.each([
    ["from=yesterday", "from"],
    ["to=2025-13-01T00:00:00Z", "to"],
    ["from=2025-10-24", "from"],
    [`from=${TO.toISOString()}&to=${FROM.toISOString()}`, "from"],
    [`from=${at(-367 * DAY).toISOString()}&to=${FROM.toISOString()}`, "from"],
    ["groupBy=week", "groupBy"],
    ["format=xml", "format"],
  ])("400 VALIDATION for %s", async (query, path) => {
    const res = await stats(query);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION");
    expect(res.body.details.map((d: { path: string }) => d.path)).toContain(path);
  });
});

it("/openapi.json lists the stats query parameters and both response types", async () => {
  const doc = (await apiJson("/openapi.json")).body;
  const get = doc.paths["/api/admin/stats"].get;
  expect(get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort()).toEqual(["query:format", "query:from", "query:groupBy", "query:to"]);
  expect(Object.keys(get.responses[200].content).sort()).toEqual(["application/json", "text/csv"]);
  // ServiceMetrics extends the earlier Stats (allOf with its $ref).
  const parts = doc.components.schemas.ServiceMetrics.allOf.map((p: { $ref?: string }) => (p.$ref ? doc.components.schemas[p.$ref.split("/").pop()!] : p));
  expect(parts.flatMap((p: { required: string[] }) => p.required)).toEqual(expect.arrayContaining(["from", "to", "groupBy", "totals", "groups", "byStatus", "meanDurationMinutes", "messagesLast24h"]));
  expect(Object.keys(get.responses)).toEqual(expect.arrayContaining(["400", "401", "403"]));
});
