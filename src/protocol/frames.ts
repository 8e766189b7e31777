import { z } from "zod";
import type { ErrorCode } from "../domain/errors";
import type { ChatMessage, ConsultationStatus } from "../domain/types";

/** SPEC section 4: limits of the frame protocol. */
export const MAX_FRAME_BYTES = 16 * 1024;
export const MAX_CONTENT_CHARS = 2000;

const seqNumber = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * Client frames. The envelope (`type`) is checked first so that an unknown type is a
 * BAD_FRAME while a known type with a bad field is a VALIDATION error with details.
 */
const clientFrameSchemas = {
  send: z
    .object({
      type: z.literal("send"),
      clientMsgId: z.string().min(1).max(128),
      // Trimmed before the length rule: whitespace-only content is empty.
      content: z.string().trim().max(MAX_CONTENT_CHARS, `content exceeds ${MAX_CONTENT_CHARS} characters`).optional(),
      /** A FILE message (SPEC section 11): the grant's id; `content` is then an optional caption. */
      attachmentId: z.uuid("attachmentId must be the id of an upload grant").optional(),
    })
    .superRefine((f, ctx) => {
      if (f.attachmentId === undefined && !f.content) ctx.addIssue({ code: "custom", path: ["content"], message: "content is empty" });
    }),
  sync: z.object({ type: z.literal("sync"), afterSeq: seqNumber }),
  read: z.object({ type: z.literal("read"), upToSeq: seqNumber }),
  /** SPEC section 13: messages up to `upToSeq` reached this device. */
  received: z.object({ type: z.literal("received"), upToSeq: seqNumber }),
  typing: z.object({ type: z.literal("typing") }),
  ping: z.object({ type: z.literal("ping") }),
};

type Schemas = typeof clientFrameSchemas;
export type ClientFrame = { [K in keyof Schemas]: z.infer<Schemas[K]> }[keyof Schemas];
export type SendFrame = z.infer<Schemas["send"]>;

/** A refused frame, in the error codes of the one list (src/domain/errors.ts), as over HTTP and RPC. */
export type FrameError = { code: Extract<ErrorCode, "BAD_FRAME" | "VALIDATION" | "TOO_LARGE">; message: string; details?: unknown; clientMsgId?: string };

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; error: FrameError };

export function byteLength(data: string | ArrayBuffer): number {
  return typeof data === "string" ? new TextEncoder().encode(data).byteLength : data.byteLength;
}

/**
 * Whether a frame exceeds MAX_FRAME_BYTES. A UTF-16 code unit is at most 3 bytes of UTF-8,
 * so text of at most MAX_FRAME_BYTES / 3 code units cannot exceed it: the bytes are only
 * counted for longer text (a chat line never is).
 */
export function exceedsFrameLimit(data: string | ArrayBuffer): boolean {
  if (typeof data === "string" && data.length * 3 <= MAX_FRAME_BYTES) return false;
  return byteLength(data) > MAX_FRAME_BYTES;
}

/** Parses one WebSocket message. Size is checked by the caller (it closes the socket). */
export function parseClientFrame(data: string | ArrayBuffer): ParsedFrame {
  if (typeof data !== "string") return bad("frames are JSON text, not binary");
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return bad("frame is not valid JSON");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return bad("frame must be a JSON object");
  const type = (json as { type?: unknown }).type;
  if (type === "send") {
    const fast = plainSend(json as Record<string, unknown>);
    if (fast) return { ok: true, frame: fast };
  }
  if (typeof type !== "string" || !Object.hasOwn(clientFrameSchemas, type)) {
    return bad(`unknown frame type ${JSON.stringify(type ?? null)}`);
  }
  const result = clientFrameSchemas[type as keyof Schemas].safeParse(json);
  if (result.success) return { ok: true, frame: result.data };
  const rawId = (json as { clientMsgId?: unknown }).clientMsgId;
  return {
    ok: false,
    error: {
      code: "VALIDATION",
      message: result.error.issues.map((i) => `${i.path.join(".") || type}: ${i.message}`).join("; "),
      details: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      ...(typeof rawId === "string" ? { clientMsgId: rawId } : {}),
    },
  };
}

/**
 * The hot frame without a general schema pass: a text `send` whose fields are plainly
 * valid gives exactly what the `send` schema would (known fields only, content trimmed).
 * Anything else (a FILE send, a field to refuse) returns null and takes the schema, so
 * refusals and their messages stay the schema's.
 */
function plainSend(json: Record<string, unknown>): SendFrame | null {
  const { clientMsgId, content, attachmentId } = json;
  if (attachmentId !== undefined || typeof clientMsgId !== "string" || typeof content !== "string") return null;
  if (clientMsgId.length < 1 || clientMsgId.length > 128) return null;
  const trimmed = content.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_CONTENT_CHARS) return null;
  return { type: "send", clientMsgId, content: trimmed };
}

function bad(message: string): ParsedFrame {
  return { ok: false, error: { code: "BAD_FRAME", message } };
}

export interface ReadReceipt {
  userCode: string;
  upToSeq: number;
  readAt: string;
}

/** A participant's delivered mark (SPEC section 13). */
export interface DeliveredMark {
  userCode: string;
  upToSeq: number;
}

/** Server frames of SPEC section 4 (`ready` also carries the read receipts and delivered marks). */
export type ServerFrame =
  | {
      type: "ready";
      requestIdx: number;
      status: ConsultationStatus;
      lastSeq: number;
      you: { userCode: string; name: string; role: string };
      reads: ReadReceipt[];
      delivered: DeliveredMark[];
    }
  | { type: "message"; message: ChatMessage }
  | { type: "ack"; clientMsgId: string; id: string; seq: number }
  | { type: "history"; messages: ChatMessage[] }
  | ({ type: "read" } & ReadReceipt)
  | ({ type: "delivered" } & DeliveredMark)
  | { type: "typing"; userCode: string }
  | { type: "status"; status: ConsultationStatus }
  | { type: "pong" }
  | { type: "error"; code: ErrorCode; message: string; clientMsgId?: string; details?: unknown };

export function encodeFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}
