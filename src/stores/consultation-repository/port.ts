import type { TransitionChanges, TransitionGuard } from "../../domain/rules";
import type { Consultation, ConsultationStatus } from "../../domain/types";

export interface NewConsultation {
  requesterUserCode: string;
  requesterName: string;
  recipientUserCode: string | null;
  recipientName: string | null;
  category: string | null;
  title: string;
  content: string | null;
  scheduledAt: Date | null;
  now: Date;
}

/** SPEC section 14: the requester's limits at create time; 0 turns a limit off. */
export interface CreateLimits {
  /** At most this many of the requester's consultations PENDING, SCHEDULED or IN_PROGRESS. */
  maxOpen: number;
  /** At most this many created by the requester at or after `since`. */
  maxCreated: number;
  since: Date;
}

/** A requester's load, for MAX_OPEN_REQUESTS and CREATES_PER_HOUR. */
export interface RequesterLoad {
  /** Their consultations PENDING, SCHEDULED or IN_PROGRESS. */
  open: number;
  /** Those they created at or after `since`, and the oldest of them (null if none). */
  createdSince: number;
  oldestSince: Date | null;
}

export interface ListQuery {
  /** The caller; ignored when `all` is set (admins). */
  userCode: string;
  all: boolean;
  role?: "requester" | "recipient";
  status?: ConsultationStatus;
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

export type { TransitionChanges, TransitionGuard } from "../../domain/rules";

export interface Stats {
  byStatus: Record<ConsultationStatus, number>;
  meanDurationMinutes: number | null;
  messagesLast24h: number;
}

/** An upload grant and, once a FILE message claimed it, its file (SPEC section 11). */
export interface Attachment {
  id: string;
  requestIdx: number;
  uploader: string;
  name: string;
  size: number;
  contentType: string;
  createdAt: Date;
  /** The clientMsgId of the FILE message that claimed it; null while unsent. */
  sentClientMsgId: string | null;
}

export type NewAttachment = Omit<Attachment, "sentClientMsgId">;
/** The service-metrics request (SPEC section 15): the window is `from <= t < to`. */
export interface MetricsQuery {
  from: Date;
  to: Date;
  groupBy: MetricsGroupBy | null;
  /** IANA zone of the `day` keys (TRANSCRIPT_TIMEZONE). */
  timeZone: string;
}

export type MetricsGroupBy = "day" | "counselor" | "category";

export interface MeanP90 {
  mean: number | null;
  p90: number | null;
}

/** One set of measures: the window's totals, or one group's. */
export interface Measures {
  created: number;
  completed: number;
  rejected: number;
  cancelled: number;
  messages: number;
  waitSeconds: MeanP90;
  firstResponseSeconds: MeanP90;
  durationMinutes: { mean: number | null };
}

export interface MetricsResult {
  totals: Measures;
  /** Sorted by key; `key` is null for consultations without a counselor / category. */
  groups: (Measures & { key: string | null })[];
}

/**
 * Metadata of consultations. Two adapters: D1 (embedded) and PlanetScale (MySQL).
 * Store failures are thrown as ApiError UPSTREAM_UNAVAILABLE; nothing is half-written.
 */
export interface ConsultationRepository {
  create(input: NewConsultation): Promise<Consultation>;
  /**
   * Creates only if the requester is under `limits`, checked and written atomically (one
   * statement); null when a limit refused it.
   */
  createWithin(input: NewConsultation, limits: CreateLimits): Promise<Consultation | null>;
  /** The requester's open consultations and those created at or after `since`. */
  requesterLoad(userCode: string, since: Date): Promise<RequesterLoad>;
  findById(requestIdx: number): Promise<Consultation | null>;
  /** Newest first; `nextCursor` is null on the last page. */
  list(query: ListQuery): Promise<{ items: Consultation[]; nextCursor: string | null }>;
  /** Unassigned PENDING items, oldest first. */
  queue(query: { category?: string; limit: number }): Promise<Consultation[]>;
  /** Applies `changes` only if the row matches `guard`; returns the updated row or null. */
  transition(requestIdx: number, guard: TransitionGuard, changes: TransitionChanges): Promise<Consultation | null>;
  /**
   * Records chat activity (called throttled by the room, never per message). Only moves
   * `lastActivityAt`/`messageCount` forward; never touches the status.
   */
  recordActivity(requestIdx: number, lastActivityAt: Date, messageCount: number): Promise<void>;
  /**
   * Open consultations (SCHEDULED, IN_PROGRESS, or PENDING with startedAt) idle since
   * before `cutoff`, counted from the latest of last activity, last state change and
   * scheduledAt. Must use an index: cost grows with the stale rows, not the table.
   */
  findIdleOpen(cutoff: Date, limit: number): Promise<Consultation[]>;
  stats(now: Date): Promise<Stats>;

  /**
   * Stores a grant unless its uploader already has `perMinute` grants created in the
   * minute before `createdAt` (one statement: the count and the insert cannot be split by
   * another request of the same user on D1; on MySQL a burst racing itself may overshoot
   * by its own concurrency). Returns false when the limit refused it.
   */
  createAttachment(attachment: NewAttachment, perMinute: number): Promise<boolean>;
  findAttachment(id: string): Promise<Attachment | null>;
  /**
   * Claims an unsent (or already this message's) attachment for the FILE message with
   * `clientMsgId`; true when it is now that message's. A claimed row is out of the
   * stale-grant cleanup's reach.
   */
  claimAttachment(id: string, clientMsgId: string): Promise<boolean>;
  /** Undoes a claim of `clientMsgId` (its file was missing or of the wrong size). */
  releaseAttachment(id: string, clientMsgId: string): Promise<void>;
  /** Unsent grants created before `cutoff`, oldest first, through the unsent index. */
  findStaleAttachments(cutoff: Date, limit: number): Promise<Attachment[]>;
  /** Deletes the grant if it is still unsent; true when it was deleted. */
  deleteUnsentAttachment(id: string): Promise<boolean>;
  /**
   * Records the recipient's first response once: a conditional update
   * (`WHERE first_response_at IS NULL`), so a repeat or a later report changes nothing.
   */
  recordFirstResponse(requestIdx: number, at: Date): Promise<void>;
  /** Service metrics of the window (which consultations each measure counts: metrics.ts). */
  metrics(query: MetricsQuery): Promise<MetricsResult>;
}
