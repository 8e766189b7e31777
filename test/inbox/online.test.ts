/**
 * The online registry (src/inbox/online-listing.ts): only the inboxes of users with
 * something open hear of changes and room activity, so an offline user's inbox object is
 * never woken for them; the registry follows the sockets, and a stale entry heals.
 */
import { listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { onlineShardOf, queueWatchersStub } from "../../src/live/inbox-client";
import { testEnv } from "../support/api";
import { actOk, createConsultation } from "../support/consultations";
import { connectInbox, consultationFrame, someone } from "../support/inbox";
import { connect, post } from "../support/sockets";

const registry = (userCode: string) => queueWatchersStub(testEnv, onlineShardOf(userCode));
const listed = async (userCode: string) => (await registry(userCode).watching([userCode])).includes(userCode);
const inboxWoken = async (userCode: string) => (await listDurableObjectIds(testEnv.INBOX)).some((id) => id.equals(testEnv.INBOX.idFromName(userCode)));

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  expect.fail(`timed out waiting for: ${what}`);
}

describe("the online registry", () => {
  it("an offline user's inbox object is never woken by their consultation's changes or its room's messages; the online side hears of all", async () => {
    const s = someone("student");
    const p = someone("professor");
    const pInbox = (await connectInbox({ token: p })).client;
    const asked = await createConsultation(s, { recipientUserCode: p.sub, title: "질문" });
    await consultationFrame(pInbox, asked.requestIdx);
    const c = await actOk(p, asked.requestIdx, "start");
    await consultationFrame(pInbox, c.requestIdx, (x) => x.status === "IN_PROGRESS");
    // The student is in the room, but has no inbox open.
    const room = (await connect(c.requestIdx, { token: s })).client;
    const ack = await post(room, "안녕하세요");
    // Activity is coalesced (≤ 1 frame a second): the frame for the SYSTEM "started" may come first.
    expect(await pInbox.next((f) => f.type === "activity" && f.requestIdx === c.requestIdx && f.lastSeq === ack.seq)).toMatchObject({ unread: 1 });
    expect(await inboxWoken(p.sub)).toBe(true);
    expect(await inboxWoken(s.sub)).toBe(false);
    room.close();
    pInbox.close();
  });

  it("lists a user while an inbox socket is open, and unlists them when the last one closes", async () => {
    const u = someone("student");
    expect(await listed(u.sub)).toBe(false);
    const [a, b] = [(await connectInbox({ token: u })).client, (await connectInbox({ token: u })).client];
    expect(await listed(u.sub)).toBe(true);
    a.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(await listed(u.sub)).toBe(true);
    b.close();
    await until(async () => !(await listed(u.sub)), "unlisted after the last close");
    // Connecting again lists them again, and changes reach the new socket.
    const again = (await connectInbox({ token: u })).client;
    expect(await listed(u.sub)).toBe(true);
    const made = await createConsultation(u, { recipientUserCode: someone("professor").sub, title: "다시" });
    expect((await consultationFrame(again, made.requestIdx)).consultation.status).toBe("PENDING");
    again.close();
  });

  it("a stale entry (an inbox with nothing open) is dropped by the first notice that reaches it", async () => {
    const u = someone("student");
    await registry(u.sub).watch(u.sub);
    await createConsultation(u, { recipientUserCode: someone("professor").sub, title: "질문" });
    await until(async () => !(await listed(u.sub)), "the stale entry dropped");
  });
});
