import type { AttachmentRef, User } from "../domain/types";
import { ApiError } from "../domain/errors";
import { archiveKeys, type ArchiveStore } from "../stores/archive-store/port";
import type { ConsultationRepository } from "../stores/consultation-repository/port";

export interface AttachmentCheckDeps {
  repository: Pick<ConsultationRepository, "findAttachment" | "claimAttachment" | "releaseAttachment">;
  archive: Pick<ArchiveStore, "head">;
}

const unknown = (why: string) => new ApiError("VALIDATION", `attachmentId: ${why}`, [{ path: "attachmentId", message: why }]);

/**
 * The room's side of a FILE `send` (SPEC section 11): the grant must be the sender's, in
 * this room, not already another message's, and its object must exist with the granted
 * size. The claim comes first, so the stale-grant cleanup can no longer delete the object
 * while it is checked; a failed check gives the claim back. A retried send (same
 * clientMsgId) passes again, so dedupe answers it with the stored ack.
 */
export async function claimAttachment(
  deps: AttachmentCheckDeps,
  requestIdx: number,
  sender: User,
  attachmentId: string,
  clientMsgId: string,
): Promise<AttachmentRef> {
  const a = await deps.repository.findAttachment(attachmentId);
  if (!a || a.requestIdx !== requestIdx || a.uploader !== sender.userCode) throw unknown("no such upload of yours in this consultation");
  if (!(await deps.repository.claimAttachment(a.id, clientMsgId))) throw unknown("this file was already sent in another message");
  let object: { size: number } | null;
  try {
    object = await deps.archive.head(archiveKeys.attachment(requestIdx, a.id));
  } catch (e) {
    await deps.repository.releaseAttachment(a.id, clientMsgId).catch(() => undefined);
    throw e;
  }
  if (object === null || object.size !== a.size) {
    await deps.repository.releaseAttachment(a.id, clientMsgId);
    throw unknown(object === null ? "the file was not uploaded (yet)" : `the uploaded file is ${object.size} bytes, not the ${a.size} granted`);
  }
  return { id: a.id, name: a.name, size: a.size, contentType: a.contentType };
}
