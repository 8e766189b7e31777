/** SPEC section 11: uploads never sent in a message are deleted after 24 h by the cron job. */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { cleanupStaleAttachments } from "../../src/cron/attachment-cleanup";
import { upstreamError } from "../../src/domain/errors";
import worker from "../../src/index";
import { getServices } from "../../src/config/services";
import { archiveKeys, type ArchiveStore } from "../../src/stores/archive-store/port";

const testEnv = env;
const HOUR = 3_600_000;
const T0 = new Date("2031-03-01T00:00:00Z");
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);
const { repository, archive } = getServices(testEnv);

async function consultation(): Promise<number> {
  const c = await repository.create({
    requesterUserCode: "STU001", requesterName: "학생", recipientUserCode: "PROF001", recipientName: "교수",
    category: null, title: "질문", content: null, scheduledAt: null, now: T0,
  });
  return c.requestIdx;
}

/** A grant created at `when` with its object uploaded. */
async function upload(requestIdx: number, when: Date): Promise<string> {
  const id = crypto.randomUUID();
  expect(await repository.createAttachment({ id, requestIdx, uploader: "STU001", name: "a.pdf", size: 3, contentType: "application/pdf", createdAt: when }, 1000)).toBe(true);
  await testEnv.ARCHIVE.put(archiveKeys.attachment(requestIdx, id), "abc");
  return id;
}

const objectOf = (requestIdx: number, id: string) => testEnv.ARCHIVE.head(archiveKeys.attachment(requestIdx, id));

describe("stale upload cleanup (cron)", () => {
  it("deletes grants unsent for 24 h, object and row; keeps sent files and younger grants", async () => {
    const requestIdx = await consultation();
    const stale = await upload(requestIdx, at(0));
    const sent = await upload(requestIdx, at(0));
    const young = await upload(requestIdx, at(1));
    expect(await repository.claimAttachment(sent, "msg-1")).toBe(true);

    await worker.scheduled(createScheduledController({ scheduledTime: at(24.5).getTime(), cron: "*/5 * * * *" }), testEnv);

    expect(await repository.findAttachment(stale)).toBeNull();
    expect(await objectOf(requestIdx, stale)).toBeNull();
    for (const kept of [sent, young]) {
      expect(await repository.findAttachment(kept)).not.toBeNull();
      expect(await objectOf(requestIdx, kept)).not.toBeNull();
    }
    // A day later the young one goes too; the sent file stays with the consultation.
    await worker.scheduled(createScheduledController({ scheduledTime: at(25.5).getTime(), cron: "*/5 * * * *" }), testEnv);
    expect(await repository.findAttachment(young)).toBeNull();
    expect(await objectOf(requestIdx, sent)).not.toBeNull();
  });

  it("a grant whose upload never happened is deleted all the same", async () => {
    const requestIdx = await consultation();
    const id = crypto.randomUUID();
    await repository.createAttachment({ id, requestIdx, uploader: "STU001", name: "a.pdf", size: 3, contentType: "application/pdf", createdAt: at(0) }, 1000);
    const report = await cleanupStaleAttachments({ repository, archive }, { now: at(30), batch: 1000 });
    expect(report.deleted).toContain(id);
    expect(await repository.findAttachment(id)).toBeNull();
  });

  it("works through at most `batch` grants a run, oldest first; the rest wait for the next", async () => {
    const requestIdx = await consultation();
    const ids = [await upload(requestIdx, at(-3)), await upload(requestIdx, at(-2)), await upload(requestIdx, at(-1))];
    const first = await cleanupStaleAttachments({ repository, archive }, { now: at(23.5), batch: 2 });
    expect(first.deleted.filter((id) => ids.includes(id))).toEqual(ids.slice(0, 2));
    expect(await repository.findAttachment(ids[2]!)).not.toBeNull();
  });

  it("when the archive fails the row stays (the next run tries again) and others still go", async () => {
    const requestIdx = await consultation();
    const failing = await upload(requestIdx, at(-48));
    const fine = await upload(requestIdx, at(-47));
    const flaky: ArchiveStore = {
      ...archive,
      delete: async (keys) => {
        if (keys.some((k) => k.endsWith(failing))) throw upstreamError("the archive", new Error("down"));
        return archive.delete(keys);
      },
    };
    const report = await cleanupStaleAttachments({ repository, archive: flaky }, { now: at(0), batch: 1000 });
    expect(report.failed).toEqual([failing]);
    expect(report.deleted).toContain(fine);
    expect(await repository.findAttachment(failing)).not.toBeNull();
    expect(await objectOf(requestIdx, failing)).not.toBeNull();
  });
});
