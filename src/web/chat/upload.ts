/**
 * One file's way into the chat (SPEC section 11): an upload grant from the API, then a PUT
 * of the bytes straight to `upload.url` (the Worker's own signed URL, or a presigned S3
 * URL) with XHR, whose upload events drive the progress bar. fetch() has no upload
 * progress in browsers, hence XHR.
 */
import { ApiFailure, api } from "../api";
import type { FileRef } from "./chat-state";

export interface Grant {
  attachmentId: string;
  upload: { url: string; method: "PUT"; headers: Record<string, string> };
  expiresIn: number;
}

/** Why an upload did not happen, in terms the view can explain. */
export type UploadProblem =
  | { kind: "tooLarge"; maxBytes: number | null }
  | { kind: "type"; contentType: string }
  | { kind: "rateLimited" }
  | { kind: "empty" }
  | { kind: "failed"; message: string };

export class UploadError extends Error {
  constructor(readonly problem: UploadProblem) {
    super(problem.kind);
    this.name = "UploadError";
  }
}

/** The content type the server is asked for: the browser's guess, or one from the name. */
export function contentTypeOf(file: { name: string; type: string }): string {
  if (file.type) return file.type.toLowerCase();
  const ext = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase() ?? "";
  return EXTENSION_TYPES[ext] ?? "application/octet-stream";
}

// Browsers leave File.type empty for formats the OS does not know (often Hangul files).
const EXTENSION_TYPES: Record<string, string> = {
  hwp: "application/x-hwp",
  hwpx: "application/haansofthwp",
  csv: "text/csv",
  txt: "text/plain",
  pdf: "application/pdf",
  zip: "application/zip",
};

export async function requestGrant(requestIdx: number, file: { name: string; size: number; type: string }): Promise<Grant> {
  if (file.size === 0) throw new UploadError({ kind: "empty" });
  const contentType = contentTypeOf(file);
  try {
    return await api<Grant>("POST", `/api/chat/attachments/${requestIdx}`, { name: file.name, size: file.size, contentType });
  } catch (e) {
    if (!(e instanceof ApiFailure)) throw e;
    if (e.status === 413) {
      const limit = /\d+/.exec(e.details.find((d) => d.path === "size")?.message ?? "")?.[0];
      throw new UploadError({ kind: "tooLarge", maxBytes: limit ? Number(limit) : null });
    }
    if (e.status === 400 && e.details.some((d) => d.path === "contentType")) throw new UploadError({ kind: "type", contentType });
    if (e.status === 429) throw new UploadError({ kind: "rateLimited" });
    throw new UploadError({ kind: "failed", message: e.message });
  }
}

/** PUTs `file` to the grant's URL; `progress` gets 0..1. Resolves once the store said yes. */
export function putFile(grant: Grant, file: Blob, progress: (fraction: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(grant.upload.method, grant.upload.url);
    for (const [name, value] of Object.entries(grant.upload.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) progress(e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        progress(1);
        resolve();
      } else {
        reject(new UploadError({ kind: "failed", message: `HTTP ${xhr.status}` }));
      }
    });
    xhr.addEventListener("error", () => reject(new UploadError({ kind: "failed", message: "network" })));
    xhr.addEventListener("abort", () => reject(new UploadError({ kind: "failed", message: "aborted" })));
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(file);
  });
}

/** What a FILE message will carry once the upload is done. */
export function fileRef(grant: Grant, file: { name: string; size: number; type: string }): FileRef {
  return { id: grant.attachmentId, name: file.name, size: file.size, contentType: contentTypeOf(file) };
}
