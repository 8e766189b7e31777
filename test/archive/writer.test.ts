import { describe, expect, it } from "vitest";
import { writeFinalArchive, writeSnapshot } from "../../src/room/archive-writer";
import { upstreamError } from "../../src/domain/errors";
import { archiveKeys, type ArchiveStore } from "../../src/stores/archive-store/port";
import { adapterCases, freshRequestIdx, s3Store, stoppedS3Endpoint, testS3 } from "./support/adapters";

const TEXT = "text/plain; charset=utf-8";
const at = (iso: string) => new Date(iso);

/** The real adapter, with PUTs failing as if the archive went away mid-end. */
function failingPuts(store: ArchiveStore): ArchiveStore {
  return { ...store, put: async () => Promise.reject(upstreamError("the archive", new Error("injected"))) };
}

describe.each(adapterCases)("archive writer: $name", ({ make }) => {
  it("writes the transcript as the final archive and removes the room's snapshots only", async () => {
    const archive = make();
    const id = freshRequestIdx();
    await writeSnapshot({ archive, requestIdx: id, transcript: "snap", at: at("2025-10-24T05:00:00Z") });
    const otherRoom = await writeSnapshot({ archive, requestIdx: id + 1, transcript: "other", at: at("2025-10-24T05:00:00Z") });

    const key = await writeFinalArchive({ archive, requestIdx: id, transcript: "full transcript" });
    expect(key).toBe(`archive/chat_${id}_final.txt`);
    expect(await archive.get(key!)).toBe("full transcript");
    expect(await archive.list(archiveKeys.snapshotPrefix(id))).toEqual([]);
    expect(await archive.list(archiveKeys.snapshotPrefix(id + 1))).toEqual([otherRoom]);
  });

  it("without hot messages, the latest snapshot becomes the final archive", async () => {
    const archive = make();
    const id = freshRequestIdx();
    // Written directly: writeSnapshot would already have removed the older one.
    await archive.put(archiveKeys.snapshot(id, at("2025-10-24T05:00:00Z")), "older", TEXT);
    await archive.put(archiveKeys.snapshot(id, at("2025-10-25T01:02:03Z")), "latest", TEXT);
    await archive.put(archiveKeys.snapshot(id, at("2025-10-24T23:59:59Z")), "middle", TEXT);

    expect(await writeFinalArchive({ archive, requestIdx: id, transcript: null })).toBe(archiveKeys.final(id));
    expect(await archive.get(archiveKeys.final(id))).toBe("latest");
    expect(await archive.list(archiveKeys.snapshotPrefix(id))).toEqual([]);
  });

  it("skips an empty latest snapshot for the newest one with content", async () => {
    const archive = make();
    const id = freshRequestIdx();
    await archive.put(archiveKeys.snapshot(id, at("2025-10-24T05:00:00Z")), "has content", TEXT);
    await archive.put(archiveKeys.snapshot(id, at("2025-10-24T06:00:00Z")), "", TEXT);
    expect(await writeFinalArchive({ archive, requestIdx: id, transcript: null })).toBe(archiveKeys.final(id));
    expect(await archive.get(archiveKeys.final(id))).toBe("has content");
  });

  it("writes nothing when there are no messages and no snapshot", async () => {
    const archive = make();
    const id = freshRequestIdx();
    expect(await writeFinalArchive({ archive, requestIdx: id, transcript: null })).toBeNull();
    expect(await archive.get(archiveKeys.final(id))).toBeNull();
  });

  it("a retry after the final archive was written keeps it and never empties it", async () => {
    const archive = make();
    const id = freshRequestIdx();
    await writeSnapshot({ archive, requestIdx: id, transcript: "snap", at: at("2025-10-24T05:00:00Z") });
    expect(await writeFinalArchive({ archive, requestIdx: id, transcript: "all 3 messages" })).toBe(archiveKeys.final(id));
    // Hot messages and snapshots are gone now; the retry sees an empty room.
    for (const transcript of [null, ""]) {
      expect(await writeFinalArchive({ archive, requestIdx: id, transcript })).toBe(archiveKeys.final(id));
      expect(await archive.get(archiveKeys.final(id))).toBe("all 3 messages");
    }
  });

  it("a failed PUT deletes no snapshot, and a later attempt succeeds", async () => {
    const archive = make();
    const id = freshRequestIdx();
    const snap = await writeSnapshot({ archive, requestIdx: id, transcript: "snap", at: at("2025-10-24T05:00:00Z") });

    await expect(writeFinalArchive({ archive: failingPuts(archive), requestIdx: id, transcript: null })).rejects.toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
    });
    expect(await archive.list(archiveKeys.snapshotPrefix(id))).toEqual([snap]);
    expect(await archive.get(archiveKeys.final(id))).toBeNull();

    expect(await writeFinalArchive({ archive, requestIdx: id, transcript: null })).toBe(archiveKeys.final(id));
    expect(await archive.get(archiveKeys.final(id))).toBe("snap");
  });

  it("a snapshot replaces the room's older snapshots, never another room's", async () => {
    const archive = make();
    const id = freshRequestIdx();
    const first = await writeSnapshot({ archive, requestIdx: id, transcript: "v1", at: at("2025-10-24T05:00:00Z") });
    expect(first).toBe(`temp/chat_${id}_snapshot_20251024050000.txt`);
    const neighbour = await writeSnapshot({ archive, requestIdx: id * 10, transcript: "n", at: at("2025-10-24T05:00:00Z") });
    const second = await writeSnapshot({ archive, requestIdx: id, transcript: "v2", at: at("2025-10-24T05:04:59Z") });

    expect(await archive.list(archiveKeys.snapshotPrefix(id))).toEqual([second]);
    expect(await archive.get(second)).toBe("v2");
    expect(await archive.list(archiveKeys.snapshotPrefix(id * 10))).toEqual([neighbour]);
    // Two snapshots within one second share a key: the later content wins.
    await writeSnapshot({ archive, requestIdx: id, transcript: "v3", at: at("2025-10-24T05:04:59.900Z") });
    expect(await archive.list(archiveKeys.snapshotPrefix(id))).toEqual([second]);
    expect(await archive.get(second)).toBe("v3");
  });

  it("a failed snapshot PUT keeps the previous snapshot", async () => {
    const archive = make();
    const id = freshRequestIdx();
    const first = await writeSnapshot({ archive, requestIdx: id, transcript: "v1", at: at("2025-10-24T05:00:00Z") });
    await expect(
      writeSnapshot({ archive: failingPuts(archive), requestIdx: id, transcript: "v2", at: at("2025-10-24T05:05:00Z") }),
    ).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
    expect(await archive.list(archiveKeys.snapshotPrefix(id))).toEqual([first]);
  });
});

describe.skipIf(!testS3)("archive writer with the S3 archive unreachable", () => {
  it("ending against a stopped server throws UPSTREAM_UNAVAILABLE", async () => {
    const down = s3Store({ endpoint: stoppedS3Endpoint! });
    await expect(writeFinalArchive({ archive: down, requestIdx: 1, transcript: "x" })).rejects.toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
    });
    await expect(
      writeSnapshot({ archive: down, requestIdx: 1, transcript: "x", at: new Date() }),
    ).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
  });
});
