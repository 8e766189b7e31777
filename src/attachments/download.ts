import type { Consultation, User } from "../domain/types";
import { ApiError } from "../domain/errors";
import { contentDisposition } from "../http/content-disposition";
import { archiveKeys, type ArchiveStore } from "../stores/archive-store/port";
import type { Attachment, ConsultationRepository } from "../stores/consultation-repository/port";

/** Types a browser may show in place (chat thumbnails); everything else downloads. */
export const INLINE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
/** A presigned GET only has to outlive the redirect it is sent in. */
export const DOWNLOAD_URL_SECONDS = 300;

/**
 * What the download answers with, for the Worker's own response and a presigned GET
 * alike. The CSP keeps even a mislabelled file from running anything at our origin.
 */
export function downloadHeaders(a: Attachment): Record<string, string> {
  const inline = INLINE_TYPES.has(a.contentType);
  return {
    "Content-Type": a.contentType,
    "Content-Disposition": contentDisposition(inline ? "inline" : "attachment", a.name),
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    // An attachment id names one immutable upload; the browser may keep it, privately.
    "Cache-Control": "private, max-age=86400",
  };
}

/**
 * The file of a FILE message, for the participants and admins (the caller checked read
 * access). An upload not yet sent is visible only to its uploader, so a grant id alone
 * reveals nothing to the other side.
 */
export async function findDownload(repository: ConsultationRepository, consultation: Consultation, user: User, attachmentId: string): Promise<Attachment> {
  const a = await repository.findAttachment(attachmentId);
  if (!a || a.requestIdx !== consultation.requestIdx || (a.sentClientMsgId === null && a.uploader !== user.userCode)) {
    throw new ApiError("NOT_FOUND", "No such attachment in this consultation");
  }
  return a;
}

/** The presigned GET of the file (S3 adapter), or null when only the Worker can serve it. */
export function presignedDownload(archive: ArchiveStore, a: Attachment): Promise<string | null> {
  const headers = downloadHeaders(a);
  return archive.presignGet(archiveKeys.attachment(a.requestIdx, a.id), {
    expiresIn: DOWNLOAD_URL_SECONDS,
    contentType: headers["Content-Type"]!,
    contentDisposition: headers["Content-Disposition"]!,
  });
}

/** A redirect to a presigned GET (S3 adapter), or the streamed object (R2 binding). */
export async function serveDownload(archive: ArchiveStore, a: Attachment): Promise<Response> {
  const key = archiveKeys.attachment(a.requestIdx, a.id);
  const headers = downloadHeaders(a);
  const url = await presignedDownload(archive, a);
  if (url !== null) return new Response(null, { status: 302, headers: { Location: url, "Cache-Control": "no-store" } });
  const object = await archive.getStream(key);
  if (!object) throw new ApiError("NOT_FOUND", "The file of this attachment is not in the archive");
  return new Response(object.body, { status: 200, headers: { ...headers, "Content-Length": String(object.size) } });
}
