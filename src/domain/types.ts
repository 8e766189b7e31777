/** Shapes of SPEC sections 2 and 4, shared by routes, the room and the stores. */

export const STATUSES = ["PENDING", "SCHEDULED", "IN_PROGRESS", "COMPLETED", "REJECTED", "CANCELLED"] as const;
export type ConsultationStatus = (typeof STATUSES)[number];

/** The JSON of SPEC section 2: timestamps are ISO-8601 UTC strings or null. */
export interface Consultation {
  requestIdx: number;
  status: ConsultationStatus;
  requesterUserCode: string;
  requesterName: string;
  recipientUserCode: string | null;
  recipientName: string | null;
  category: string | null;
  title: string;
  content: string | null;
  scheduledAt: string | null;
  rejectionReason: string | null;
  cancelReason: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  durationMinutes: number | null;
  lastActivityAt: string | null;
  messageCount: number;
  chatLogKey: string | null;
  endedBy: string | null;
}

export type MessageType = "NORMAL" | "SYSTEM" | "FILE";

/** What a FILE message carries about its file (SPEC section 11). */
export interface AttachmentRef {
  id: string;
  name: string;
  size: number;
  contentType: string;
}

/** The message JSON of SPEC section 4, as stored in the hot store and sent in frames. */
export interface ChatMessage {
  id: string;
  seq: number;
  requestIdx: number;
  sender: string;
  senderName: string;
  type: MessageType;
  content: string;
  sentAt: string;
  clientMsgId: string | null;
  /** Only on FILE messages. */
  attachment?: AttachmentRef;
}

/** The authenticated caller, from the JWT. */
export interface User {
  userCode: string;
  name: string;
  role: string;
  isCounselor: boolean;
  isAdmin: boolean;
  /** Token expiry, seconds since the epoch (null when the token has none). */
  exp: number | null;
}
