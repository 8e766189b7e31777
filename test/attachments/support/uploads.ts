/** Helpers of the attachment suites (inside workerd): grants, uploads, FILE sends. */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { namedConsultation, uniqueCode } from "../../support/consultations";
import { apiJson, type ApiOptions, type Claims } from "../../support/api";
import type { Client, Frame } from "../../support/sockets";

export interface GrantBody {
  name?: unknown;
  size?: unknown;
  contentType?: unknown;
}

export interface GrantAnswer {
  attachmentId: string;
  upload: { url: string; method: "PUT"; headers: Record<string, string> };
  expiresIn: number;
}

export const grantPath = (requestIdx: number | string) => `/api/chat/attachments/${requestIdx}`;
export const filePath = (requestIdx: number | string, attachmentId: string) => `/api/chat/attachments/${requestIdx}/${attachmentId}`;

export function requestGrant(as: Claims, requestIdx: number | string, body: GrantBody | string, opts: Partial<ApiOptions> = {}) {
  return apiJson(grantPath(requestIdx), { token: as, method: "POST", body, ...opts });
}

/** A grant that must succeed (201). */
export async function grant(as: Claims, requestIdx: number, body: GrantBody, opts: Partial<ApiOptions> = {}): Promise<GrantAnswer> {
  const res = await requestGrant(as, requestIdx, body, opts);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as GrantAnswer;
}

/** PUTs `body` to the grant's URL through the Worker (no bearer token: the URL is the grant). */
export function putUpload(url: string, body: BodyInit | null, headers: Record<string, string>): Promise<Response> {
  return exports.default.fetch(new Request(url, { method: "PUT", body, headers }));
}

/** `n` bytes of random content (crypto.getRandomValues fills at most 64 KiB at a time). */
export function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i += 65_536) crypto.getRandomValues(bytes.subarray(i, Math.min(n, i + 65_536)));
  return bytes;
}

/** A stream of `bytes` in chunks, with no Content-Length (sent chunked). */
export function chunked(bytes: Uint8Array, chunk = 16_384): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

/** Grant and upload one file; returns the grant. */
export async function uploaded(as: Claims, requestIdx: number, file: { name: string; contentType: string; bytes: Uint8Array }): Promise<GrantAnswer> {
  const g = await grant(as, requestIdx, { name: file.name, size: file.bytes.length, contentType: file.contentType });
  const res = await putUpload(g.upload.url, file.bytes, g.upload.headers);
  expect(res.status, await res.clone().text()).toBe(200);
  return g;
}

/** Sends a FILE `send` and waits for its ack or error. */
export async function sendFile(client: Client, attachmentId: string, clientMsgId: string = crypto.randomUUID(), content?: string): Promise<Frame> {
  client.send({ type: "send", clientMsgId, attachmentId, ...(content !== undefined ? { content } : {}) });
  return client.next((f) => (f.type === "ack" || f.type === "error") && f.clientMsgId === clientMsgId);
}

/** A user of their own (the grant rate is per user and minute) with an open consultation. */
export async function ownStudent(): Promise<{ who: Claims; requestIdx: number }> {
  const who = { sub: uniqueCode("STU"), name: "새학생", role: "student" };
  const c = await namedConsultation("IN_PROGRESS", who);
  return { who, requestIdx: c.requestIdx };
}

