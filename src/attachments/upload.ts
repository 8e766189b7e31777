import type { Config } from "../config/config";
import { ApiError } from "../domain/errors";
import { archiveKeys, BodyLengthError, type ArchiveStore } from "../stores/archive-store/port";
import type { ConsultationRepository } from "../stores/consultation-repository/port";
import { verifyUpload } from "./upload-signature";

export interface UploadDeps {
  config: Config;
  repository: ConsultationRepository;
  archive: ArchiveStore;
  now: Date;
}

export interface UploadRequest {
  requestIdx: number;
  attachmentId: string;
  exp: number;
  sig: string;
  contentType: string | undefined;
  contentLength: string | undefined;
  body: ReadableStream<Uint8Array> | null;
}

/**
 * The Worker-served upload (R2 binding): the signed URL is the grant. The body streams
 * into the bucket and is cut off one byte past the declared size (putStream), so a longer
 * body is refused without ever being held whole; a shorter one is refused too, and either
 * way nothing is stored. A file already sent in a message cannot be replaced.
 */
export async function receiveUpload(deps: UploadDeps, req: UploadRequest): Promise<{ attachmentId: string; size: number }> {
  const secret = deps.config.attachments.signingSecret;
  const row = await deps.repository.findAttachment(req.attachmentId);
  const claims = row && { requestIdx: req.requestIdx, attachmentId: row.id, size: row.size, contentType: row.contentType, exp: req.exp };
  if (!row || row.requestIdx !== req.requestIdx || !secret || !(await verifyUpload(secret, claims!, req.sig))) {
    throw new ApiError("FORBIDDEN", "The upload URL is not valid for this attachment");
  }
  if (deps.now.getTime() > req.exp * 1000) throw new ApiError("FORBIDDEN", "The upload URL has expired; ask for a new one");
  if (row.sentClientMsgId !== null) throw new ApiError("INVALID_STATE", "This file was already sent in a message");
  const mediaType = req.contentType?.split(";")[0]!.trim().toLowerCase();
  if (mediaType !== row.contentType) {
    throw new ApiError("VALIDATION", `Content-Type must be ${row.contentType}`, [{ path: "Content-Type", message: `expected ${row.contentType}` }]);
  }
  if (req.contentLength !== undefined) {
    const declared = Number(req.contentLength);
    if (declared > row.size) throw new ApiError("TOO_LARGE", `The body is longer than the ${row.size} bytes granted`);
    if (declared !== row.size) throw new ApiError("VALIDATION", `The body must be exactly ${row.size} bytes`, [{ path: "Content-Length", message: `expected ${row.size}` }]);
  }
  if (!req.body) throw new ApiError("VALIDATION", `The body must be exactly ${row.size} bytes`, [{ path: "body", message: "missing" }]);

  try {
    await deps.archive.putStream(archiveKeys.attachment(row.requestIdx, row.id), req.body, { size: row.size, contentType: row.contentType });
  } catch (e) {
    if (!(e instanceof BodyLengthError)) throw e;
    if (e.received > e.expected) throw new ApiError("TOO_LARGE", `The body is longer than the ${row.size} bytes granted; nothing was stored`);
    throw new ApiError("VALIDATION", `The body ended after ${e.received} of ${row.size} bytes; nothing was stored`, [{ path: "body", message: "too short" }]);
  }
  return { attachmentId: row.id, size: row.size };
}
