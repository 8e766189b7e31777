/**
 * SPEC section 11 with the S3 adapter: presigned uploads and downloads against s3rver
 * behind the SigV4 verifier (test/services/sigv4-front.ts), which refuses what S3 would.
 */
import { describe, expect, it } from "vitest";
import { getServices } from "../../src/config/services";
import { archiveKeys, BodyLengthError } from "../../src/stores/archive-store/port";
import { api, people, testEnv } from "../support/api";
import { namedConsultation } from "../support/consultations";
import { s3Store, testS3 } from "../archive/support/adapters";
import { chunked, filePath, grant, randomBytes } from "../attachments/support/uploads";

const s3Env = () =>
  ({
    ...testEnv,
    S3_ENDPOINT: testS3!.endpoint,
    S3_REGION: testS3!.region,
    S3_ACCESS_KEY_ID: testS3!.accessKeyId,
    S3_SECRET_ACCESS_KEY: testS3!.secretAccessKey,
    CHAT_ARCHIVE_BUCKET: testS3!.bucket,
  });

const MiB = 1024 * 1024;

async function s3Grant(size: number, contentType = "application/pdf", name = "기말 보고서.pdf") {
  const c = await namedConsultation("IN_PROGRESS");
  const g = await grant(people.student, c.requestIdx, { name, size, contentType }, { env: s3Env() });
  return { requestIdx: c.requestIdx, g, key: archiveKeys.attachment(c.requestIdx, g.attachmentId) };
}

const put = (url: string, body: BodyInit, headers: Record<string, string>) => fetch(url, { method: "PUT", body, headers });

describe.skipIf(!testS3)("attachments with the S3 adapter (s3rver + SigV4)", () => {
  it("the grant is a presigned S3 PUT, valid 10 minutes, with content type and length signed", async () => {
    const { g, key } = await s3Grant(1234);
    const url = new URL(g.upload.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${testS3!.endpoint}/${testS3!.bucket}/${key}`);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("600");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;content-type;host");
    expect(g.upload).toMatchObject({ method: "PUT", headers: { "Content-Type": "application/pdf" } });
    expect(g.expiresIn).toBe(600);
  });

  it("a 5 MiB random file goes up by the presigned PUT and comes down byte-identical through a presigned GET", async () => {
    const bytes = randomBytes(5 * MiB);
    const { requestIdx, g, key } = await s3Grant(bytes.length);
    const res = await put(g.upload.url, bytes, g.upload.headers);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(await s3Store().head(key)).toEqual({ size: bytes.length });
    // The room's claim (what a FILE send does), then the other side downloads.
    expect(await getServices(testEnv).repository.claimAttachment(g.attachmentId, "msg-1")).toBe(true);
    const download = await api(filePath(requestIdx, g.attachmentId), { token: people.professor, env: s3Env() });
    expect(download.status).toBe(302);
    const location = download.headers.get("location")!;
    expect(location.startsWith(`${testS3!.endpoint}/${testS3!.bucket}/${key}?`)).toBe(true);
    expect(new URL(location).searchParams.get("X-Amz-Expires")).toBe("300");
    const link = await api(`${filePath(requestIdx, g.attachmentId)}?link=true`, { token: people.professor, env: s3Env() });
    const { url, expiresIn } = (await link.json()) as { url: string; expiresIn: number };
    expect(expiresIn).toBe(300);
    expect(url.startsWith(`${testS3!.endpoint}/${testS3!.bucket}/${key}?`)).toBe(true);
    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("application/pdf");
    expect(file.headers.get("content-disposition")).toBe(`attachment; filename="__ ___.pdf"; filename*=UTF-8''${encodeURIComponent("기말 보고서.pdf")}`);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
  });

  it("the store refuses a presigned PUT of another content type", async () => {
    const bytes = randomBytes(100);
    const { g, key } = await s3Grant(bytes.length);
    const res = await put(g.upload.url, bytes, { "Content-Type": "text/html" });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("SignatureDoesNotMatch");
    expect(await s3Store().head(key)).toBeNull();
  });

  it("the store refuses a presigned PUT with a longer (or shorter) body", async () => {
    const { g, key } = await s3Grant(100);
    for (const size of [101, 99, 5 * MiB]) {
      const res = await put(g.upload.url, randomBytes(size), g.upload.headers);
      expect(res.status, String(size)).toBe(403);
      await res.body?.cancel();
    }
    expect(await s3Store().head(key)).toBeNull();
  });

  it("the store refuses a tampered presigned URL (a longer expiry)", async () => {
    const { g, key } = await s3Grant(10);
    const url = new URL(g.upload.url);
    url.searchParams.set("X-Amz-Expires", "604800");
    const res = await put(url.toString(), randomBytes(10), g.upload.headers);
    expect(res.status).toBe(403);
    expect(await s3Store().head(key)).toBeNull();
  });

  it("head, putStream and getStream of the adapter: exact sizes, and a longer stream stores nothing", async () => {
    const store = s3Store();
    const key = `attachments/${Date.now()}/${crypto.randomUUID()}`;
    expect(await store.head(key)).toBeNull();
    expect(await store.getStream(key)).toBeNull();
    const bytes = randomBytes(300_000);
    await store.putStream(key, chunked(bytes), { size: bytes.length, contentType: "application/zip" });
    expect(await store.head(key)).toEqual({ size: bytes.length });
    const got = await store.getStream(key);
    expect(got?.size).toBe(bytes.length);
    expect(new Uint8Array(await new Response(got!.body).arrayBuffer())).toEqual(bytes);

    const longer = `attachments/${Date.now()}/${crypto.randomUUID()}`;
    await expect(store.putStream(longer, chunked(randomBytes(1001), 100), { size: 1000, contentType: "application/zip" })).rejects.toBeInstanceOf(BodyLengthError);
    expect(await store.head(longer)).toBeNull();
  });

  it("the bucket CORS rule of the README lets a browser at another origin PUT and GET", async () => {
    const bytes = randomBytes(64);
    const { g } = await s3Grant(bytes.length, "image/png", "a.png");
    const origin = "http://localhost:8787";
    const preflight = await fetch(g.upload.url, {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type" },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("PUT");
    const res = await put(g.upload.url, bytes, { ...g.upload.headers, Origin: origin });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("the R2 adapter signs nothing (the Worker serves its own URLs)", async () => {
    const r2 = getServices(testEnv).archive;
    expect(await r2.presignPut("attachments/1/x", { contentType: "image/png", size: 1, expiresIn: 600 })).toBeNull();
    expect(await r2.presignGet("attachments/1/x", { contentType: "image/png", contentDisposition: "inline", expiresIn: 300 })).toBeNull();
  });
});
