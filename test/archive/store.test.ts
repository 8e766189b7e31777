import { AwsClient } from "aws4fetch";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/domain/errors";
import { archiveKeys } from "../../src/stores/archive-store/port";
import { adapterCases, freshRequestIdx, s3Store, stoppedS3Endpoint, testS3 } from "./support/adapters";

const TEXT = "text/plain; charset=utf-8";

async function expectUpstream(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect(err).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", status: 503 });
}

describe.each(adapterCases)("ArchiveStore contract: $name", ({ make }) => {
  it("puts and gets UTF-8 text; a missing key reads as null", async () => {
    const store = make();
    const id = freshRequestIdx();
    const key = archiveKeys.final(id);
    expect(await store.get(key)).toBeNull();
    await store.put(key, "상담 채팅 기록\n내용: 안녕하세요 👋\n", TEXT);
    expect(await store.get(key)).toBe("상담 채팅 기록\n내용: 안녕하세요 👋\n");
    await store.put(key, "replaced", TEXT);
    expect(await store.get(key)).toBe("replaced");
  });

  it("lists only keys under the prefix, sorted, across page boundaries", async () => {
    const store = make({ pageSize: 2 });
    const id = freshRequestIdx();
    const stamps = ["20251024143022", "20251024140000", "20251025000000", "20251024143023", "20251101010101"];
    for (const s of stamps) await store.put(`temp/chat_${id}_snapshot_${s}.txt`, s, TEXT);
    await store.put(`temp/chat_${id}0_snapshot_20250101000000.txt`, "other room", TEXT);
    await store.put(archiveKeys.final(id), "final", TEXT);

    const listed = await store.list(archiveKeys.snapshotPrefix(id));
    expect(listed).toEqual([...stamps].sort().map((s) => `temp/chat_${id}_snapshot_${s}.txt`));
  });

  it("lists nothing for an unknown prefix", async () => {
    expect(await make().list(`temp/chat_${freshRequestIdx()}_snapshot_`)).toEqual([]);
  });

  it("deletes several keys at once; missing keys are not an error", async () => {
    const store = make();
    const id = freshRequestIdx();
    const prefix = archiveKeys.snapshotPrefix(id);
    const keys = [`${prefix}1.txt`, `${prefix}2.txt`, `${prefix}3.txt`];
    for (const k of keys) await store.put(k, k, TEXT);
    await store.delete([keys[0]!, keys[2]!, `${prefix}never-written.txt`]);
    expect(await store.list(prefix)).toEqual([keys[1]]);
    await store.delete([]);
    await store.delete([keys[1]!]);
    expect(await store.list(prefix)).toEqual([]);
    expect(await store.get(keys[1]!)).toBeNull();
  });

  it("round-trips keys with unicode, spaces and XML/URL special characters", async () => {
    const store = make({ pageSize: 3 });
    const prefix = `temp/odd keys ${freshRequestIdx()}/`;
    const names = ["상담 기록.txt", "a&b<c>'d\".txt", "plus+percent%20.txt", "sp  ace .txt", "q?hash#.txt", "star*(paren)!.txt", "é/nested ü.txt"];
    for (const n of names) await store.put(prefix + n, `body of ${n}`, TEXT);
    expect(await store.list(prefix)).toEqual(names.map((n) => prefix + n).sort());
    for (const n of names) expect(await store.get(prefix + n)).toBe(`body of ${n}`);
    await store.delete(names.map((n) => prefix + n));
    expect(await store.list(prefix)).toEqual([]);
  });
});

describe.skipIf(!testS3)("S3 adapter against s3rver (SigV4 checked)", () => {
  it("stores objects with Content-Type text/plain; charset=utf-8", async () => {
    const key = archiveKeys.final(freshRequestIdx());
    await s3Store().put(key, "hello", TEXT);
    const client = new AwsClient({ ...testS3!, service: "s3" });
    const res = await client.fetch(`${testS3!.endpoint}/${testS3!.bucket}/${key}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(TEXT);
    expect(await res.text()).toBe("hello");
  });

  it("a wrong secret is UPSTREAM_UNAVAILABLE for every operation, and nothing is stored", async () => {
    const wrong = s3Store({ secretAccessKey: "not-the-secret" });
    const key = archiveKeys.final(freshRequestIdx());
    await expectUpstream(wrong.put(key, "x", TEXT));
    await expectUpstream(wrong.get(key));
    await expectUpstream(wrong.list("archive/"));
    await expectUpstream(wrong.delete([key]));
    expect(await s3Store().get(key)).toBeNull();
  });

  it("an unknown access key is UPSTREAM_UNAVAILABLE", async () => {
    await expectUpstream(s3Store({ accessKeyId: "NOBODY" }).put(archiveKeys.final(freshRequestIdx()), "x", TEXT));
  });

  it("a stopped server is UPSTREAM_UNAVAILABLE for every operation", async () => {
    const down = s3Store({ endpoint: stoppedS3Endpoint! });
    const key = archiveKeys.final(freshRequestIdx());
    await expectUpstream(down.put(key, "x", TEXT));
    await expectUpstream(down.get(key));
    await expectUpstream(down.list("temp/"));
    await expectUpstream(down.delete([key]));
  });

  it("a missing bucket is an error, not an absent object", async () => {
    const store = s3Store({ bucket: "no-such-bucket" });
    await expectUpstream(store.get(archiveKeys.final(1)));
    await expectUpstream(store.list("temp/"));
  });

  it("works with virtual-hosted URLs ({bucket}.{host}) when path style is off", async () => {
    const port = new URL(testS3!.endpoint).port;
    // Nothing resolves *.archive.test here: send to 127.0.0.1 and name the signed host.
    const viaLoopback = (request: Request) => {
      const url = new URL(request.url);
      const signedHost = url.host;
      url.hostname = "127.0.0.1";
      const forwarded = new Request(url, request);
      forwarded.headers.set("x-forwarded-host", signedHost);
      return fetch(forwarded);
    };
    const seen: string[] = [];
    const store = s3Store({
      endpoint: `http://s3.archive.test:${port}`,
      forcePathStyle: false,
      fetch: (r) => (seen.push(r.url), viaLoopback(r)),
    });
    const id = freshRequestIdx();
    const key = archiveKeys.snapshot(id, new Date("2025-10-24T05:30:22Z"));
    await store.put(key, "vhost", TEXT);
    expect(await store.list(archiveKeys.snapshotPrefix(id))).toEqual([key]);
    expect(await s3Store().get(key)).toBe("vhost");
    await store.delete([key]);
    expect(await store.get(key)).toBeNull();
    expect(seen[0]).toBe(`http://${testS3!.bucket}.s3.archive.test:${port}/${key}`);
  });
});
