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
   * Records the recipient's first response once: a conditional update
   * (`WHERE first_response_at IS NULL`), so a repeat or a later report changes nothing.
   */
  recordFirstResponse(requestIdx: number, at: Date): Promise<void>;
  /** Service metrics of the window (which consultations each measure counts: metrics.ts). */
  metrics(query: MetricsQuery): Promise<MetricsResult>;
}
