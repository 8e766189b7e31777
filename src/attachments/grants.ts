import type { Config } from "../config/config";
import { assertCanPost } from "../domain/posting";
import type { Consultation, User } from "../domain/types";
import { ApiError, ConfigError } from "../domain/errors";
import { archiveKeys, type ArchiveStore } from "../stores/archive-store/port";
import type { ConsultationRepository } from "../stores/consultation-repository/port";
import { signUpload } from "./upload-signature";

/** SPEC section 11: upload grants per user and minute. */
export const GRANTS_PER_MINUTE = 20;
/** Lifetime of an upload URL (SPEC: at most 10 minutes). */
export const UPLOAD_URL_SECONDS = 600;

export interface GrantInput {
  name: string;
  size: number;
  contentType: string;
}

export interface Grant {
  attachmentId: string;
  upload: { url: string; method: "PUT"; headers: Record<string, string> };
  expiresIn: number;
}

export interface GrantDeps {
  config: Config;
  repository: ConsultationRepository;
  archive: ArchiveStore;
  /** The Worker's origin, for its own upload URL (R2 binding). */
  origin: string;
  now: Date;
}

/**
 * An upload grant: the same checks as a send (participant, room open, not an admin),
 * then the operator's limits, then the per-user rate; the row is stored before the URL
 * is handed out, so every object that can ever be uploaded has a row the cleanup sees.
 */
export async function createGrant(deps: GrantDeps, consultation: Consultation, user: User, input: GrantInput): Promise<Grant> {
  assertCanPost(consultation, false, user);
  const { maxBytes, types } = deps.config.attachments;
  if (input.size > maxBytes) throw new ApiError("TOO_LARGE", `The file is over the limit of ${maxBytes} bytes`, [{ path: "size", message: `at most ${maxBytes}` }]);
  if (!types.includes(input.contentType)) {
    throw new ApiError("VALIDATION", `Files of type ${input.contentType} are not accepted`, [{ path: "contentType", message: `one of ${types.join(", ")}` }]);
  }
  const id = crypto.randomUUID();
  const { requestIdx } = consultation;
  const stored = await deps.repository.createAttachment({ id, requestIdx, uploader: user.userCode, ...input, createdAt: deps.now }, GRANTS_PER_MINUTE);
  if (!stored) throw new ApiError("RATE_LIMITED", `Too many uploads: at most ${GRANTS_PER_MINUTE} a minute`);

  const key = archiveKeys.attachment(requestIdx, id);
  const presigned = await deps.archive.presignPut(key, { contentType: input.contentType, size: input.size, expiresIn: UPLOAD_URL_SECONDS });
  const upload = presigned ?? (await workerUploadUrl(deps, { requestIdx, attachmentId: id, ...input }));
  return { attachmentId: id, upload: { ...upload, method: "PUT" }, expiresIn: UPLOAD_URL_SECONDS };
}

async function workerUploadUrl(deps: GrantDeps, a: { requestIdx: number; attachmentId: string; size: number; contentType: string }) {
  const secret = deps.config.attachments.signingSecret;
  if (!secret) throw new ConfigError(["ATTACHMENT_SIGNING_SECRET is missing (uploads through the R2 binding need it when JWT_SECRET is not set)"]);
  const exp = Math.floor(deps.now.getTime() / 1000) + UPLOAD_URL_SECONDS;
  const sig = await signUpload(secret, { ...a, exp });
  const url = `${deps.origin}/api/chat/attachments/${a.requestIdx}/${a.attachmentId}?exp=${exp}&sig=${sig}`;
  return { url, headers: { "Content-Type": a.contentType } };
}
