import type { Consultation, ConsultationStatus } from "../../domain/types";
import type { NewConsultation } from "./port";

/**
 * A `consultation_request` row as both drizzle schemas read it (D1: timestamp_ms
 * integers, MySQL: DATETIME(3)); both give Date objects, so mapping is shared.
 */
export interface ConsultationRow {
  requestIdx: number;
  status: ConsultationStatus;
  requesterUserCode: string;
  requesterName: string;
  recipientUserCode: string | null;
  recipientName: string | null;
  category: string | null;
  title: string;
  content: string | null;
  scheduledAt: Date | null;
  rejectionReason: string | null;
  cancelReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  durationMinutes: number | null;
  lastActivityAt: Date | null;
  messageCount: number;
  chatLogKey: string | null;
  endedBy: string | null;
  idleSince: Date | null;
  /** Internal (metrics): not part of the consultation JSON. */
  firstResponseAt: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Row → the consultation JSON of SPEC section 2. */
export function toConsultation(row: ConsultationRow): Consultation {
  return {
    requestIdx: Number(row.requestIdx),
    status: row.status,
    requesterUserCode: row.requesterUserCode,
    requesterName: row.requesterName,
    recipientUserCode: row.recipientUserCode,
    recipientName: row.recipientName,
    category: row.category,
    title: row.title,
    content: row.content,
    scheduledAt: iso(row.scheduledAt),
    rejectionReason: row.rejectionReason,
    cancelReason: row.cancelReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    startedAt: iso(row.startedAt),
    endedAt: iso(row.endedAt),
    durationMinutes: row.durationMinutes === null ? null : Number(row.durationMinutes),
    lastActivityAt: iso(row.lastActivityAt),
    messageCount: Number(row.messageCount),
    chatLogKey: row.chatLogKey,
    endedBy: row.endedBy,
  };
}

/** Insert values of a new request: PENDING, never started, hence not open (no idleSince). */
export function newRowValues(input: NewConsultation): Omit<ConsultationRow, "requestIdx"> {
  return {
    status: "PENDING",
    requesterUserCode: input.requesterUserCode,
    requesterName: input.requesterName,
    recipientUserCode: input.recipientUserCode,
    recipientName: input.recipientName,
    category: input.category,
    title: input.title,
    content: input.content,
    scheduledAt: input.scheduledAt,
    rejectionReason: null,
    cancelReason: null,
    createdAt: input.now,
    updatedAt: input.now,
    startedAt: null,
    endedAt: null,
    durationMinutes: null,
    lastActivityAt: null,
    messageCount: 0,
    chatLogKey: null,
    endedBy: null,
    idleSince: null,
    firstResponseAt: null,
  };
}
