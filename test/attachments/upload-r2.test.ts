/** SPEC section 11: the Worker-served upload URL (R2 binding), streamed into the bucket. */
import { describe, expect, it } from "vitest";
import { signUpload } from "../../src/attachments/upload-signature";
import { archiveKeys } from "../../src/stores/archive-store/port";
import { people, testEnv } from "../support/api";
import { namedConsultation } from "../support/consultations";
import { connect } from "../support/sockets";
import { chunked, grant, putUpload, randomBytes, sendFile, type GrantAnswer } from "./support/uploads";

const stored = (requestIdx: number, id: string) => testEnv.ARCHIVE.head(archiveKeys.attachment(requestIdx, id));

async function pdfGrant(size: number) {
  const c = await namedConsultation("IN_PROGRESS");
  const g = await grant(people.student, c.requestIdx, { name: "a.pdf", size, contentType: "application/pdf" });
  return { requestIdx: c.requestIdx, g };
}

/** The grant's URL with one query value replaced. */
function withParam(g: GrantAnswer, name: string, value: string): string {
  const url = new URL(g.upload.url);
  url.searchParams.set(name, value);
  return url.toString();
}

describe("PUT /api/chat/attachments/{requestIdx}/{attachmentId} (R2 binding)", () => {
  it("stores exactly the body under attachments/{requestIdx}/{attachmentId}, without a bearer token", async () => {
    const bytes = randomBytes(1024 * 1024 + 3); // far over the 64 KiB limit of other bodies
    const { requestIdx, g } = await pdfGrant(bytes.length);
    const res = await putUpload(g.upload.url, bytes, g.upload.headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ attachmentId: g.attachmentId, size: bytes.length });
    const object = await testEnv.ARCHIVE.get(archiveKeys.attachment(requestIdx, g.attachmentId));
    expect(object?.httpMetadata?.contentType).toBe("application/pdf");
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(bytes);
  });

  it("streams a body sent without Content-Length (chunked) of the granted size", async () => {
    const bytes = randomBytes(200_000);
    const { requestIdx, g } = await pdfGrant(bytes.length);
    const res = await putUpload(g.upload.url, chunked(bytes), g.upload.headers);
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await stored(requestIdx, g.attachmentId))?.size).toBe(bytes.length);
  });

  it("a chunked body longer than granted is cut off and refused with 413; nothing is stored", async () => {
    const { requestIdx, g } = await pdfGrant(100_000);
    const res = await putUpload(g.upload.url, chunked(randomBytes(100_001), 10_000), g.upload.headers);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "TOO_LARGE" });
    expect(await stored(requestIdx, g.attachmentId)).toBeNull();
  });

  it("a chunked body far longer than granted is refused without reading it all", async () => {
    const { requestIdx, g } = await pdfGrant(1000);
    let pulled = 0;
    // An endless body: the request could only finish by being cut off.
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const res = await putUpload(g.upload.url, endless, g.upload.headers);
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThan(50);
    expect(await stored(requestIdx, g.attachmentId)).toBeNull();
  });

  it("a body with a longer Content-Length is refused with 413 before it is read; a shorter one with 400", async () => {
    const { requestIdx, g } = await pdfGrant(5000);
    const longer = await putUpload(g.upload.url, randomBytes(5001), g.upload.headers);
    expect(longer.status).toBe(413);
    const shorter = await putUpload(g.upload.url, randomBytes(4999), g.upload.headers);
    expect(shorter.status).toBe(400);
    expect(await shorter.json()).toMatchObject({ code: "VALIDATION" });
    const shortStream = await putUpload(g.upload.url, chunked(randomBytes(4999), 1000), g.upload.headers);
    expect(shortStream.status).toBe(400);
    expect(await stored(requestIdx, g.attachmentId)).toBeNull();
    const empty = await putUpload(g.upload.url, null, g.upload.headers);
    expect(empty.status).toBe(400);
  });

  it("400 for another content type (or none); nothing is stored", async () => {
    const { requestIdx, g } = await pdfGrant(10);
    const variants: Record<string, string>[] = [{ "Content-Type": "text/html" }, { "Content-Type": "image/png" }, {}];
    for (const headers of variants) {
      const res = await putUpload(g.upload.url, randomBytes(10), headers);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "VALIDATION" });
    }
    expect(await stored(requestIdx, g.attachmentId)).toBeNull();
    // Parameters and case of the same type are fine.
    expect((await putUpload(g.upload.url, randomBytes(10), { "Content-Type": "Application/PDF; x=1" })).status).toBe(200);
  });

  it("403 for a tampered, foreign or missing signature, a changed expiry and another request number", async () => {
    const { requestIdx, g } = await pdfGrant(10);
    const other = await pdfGrant(10);
    const sig = new URL(g.upload.url).searchParams.get("sig")!;
    const urls = [
      withParam(g, "sig", `${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`),
      withParam(g, "sig", new URL(other.g.upload.url).searchParams.get("sig")!),
      withParam(g, "exp", String(Number(new URL(g.upload.url).searchParams.get("exp")) + 3600)),
      g.upload.url.replace(`/attachments/${requestIdx}/`, `/attachments/${other.requestIdx}/`),
      g.upload.url.replace(g.attachmentId, crypto.randomUUID()),
    ];
    for (const url of urls) {
      const res = await putUpload(url, randomBytes(10), g.upload.headers);
      expect(res.status, url).toBe(403);
      expect(await res.json()).toMatchObject({ code: "FORBIDDEN" });
    }
    const noSig = new URL(g.upload.url);
    noSig.searchParams.delete("sig");
    expect((await putUpload(noSig.toString(), randomBytes(10), g.upload.headers)).status).toBe(400);
    expect(await stored(requestIdx, g.attachmentId)).toBeNull();
  });

  it("403 once the URL expired (a correctly signed past expiry)", async () => {
    const { requestIdx, g } = await pdfGrant(10);
    const exp = Math.floor(Date.now() / 1000) - 1;
    const sig = await signUpload(testEnv.JWT_SECRET!, { requestIdx, attachmentId: g.attachmentId, size: 10, contentType: "application/pdf", exp });
    const url = withParam({ ...g, upload: { ...g.upload, url: withParam(g, "exp", String(exp)) } }, "sig", sig);
    const res = await putUpload(url, randomBytes(10), g.upload.headers);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toContain("expired");
  });

  it("a failed upload may be retried with the same URL; once sent in a message the file cannot be replaced (409)", async () => {
    const bytes = randomBytes(10);
    const { requestIdx, g } = await pdfGrant(bytes.length);
    expect((await putUpload(g.upload.url, chunked(randomBytes(11), 4), g.upload.headers)).status).toBe(413);
    expect((await putUpload(g.upload.url, bytes, g.upload.headers)).status).toBe(200);
    const { client } = await connect(requestIdx, { token: people.student });
    expect(await sendFile(client, g.attachmentId)).toMatchObject({ type: "ack" });
    client.close();
    const again = await putUpload(g.upload.url, randomBytes(10), g.upload.headers);
    expect(again.status).toBe(409);
    const object = await testEnv.ARCHIVE.get(archiveKeys.attachment(requestIdx, g.attachmentId));
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(bytes);
  });

  it("404 for a path that is not a plain request number or attachment id", async () => {
    const { g } = await pdfGrant(10);
    const bad = g.upload.url.replace(g.attachmentId, "not-a-uuid");
    expect((await putUpload(bad, randomBytes(10), g.upload.headers)).status).toBe(404);
  });
});
