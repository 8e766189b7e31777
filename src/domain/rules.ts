import type { Consultation, ConsultationStatus, User } from "./types";
import { ApiError } from "./errors";
import { isOpen } from "./open";

/**
 * The lifecycle of SPEC section 2 as pure functions: given the row as read, the actor and
 * the input, either a refusal (ApiError) or the conditional update to run. The guard
 * repeats every fact the decision relied on (status, recipient, started or not), so if the
 * row changed in between, the update matches nothing and the service re-plans.
 *
 * Refusals are checked in a fixed order: who (403: not a party to this action), then
 * state (409), then "taken by another counselor" (409: the loser of a queue race).
 *
 * A leaf: imports nothing outside src/domain (the repository port uses its guard types).
 */

/**
 * What a conditional update expects of the row. Every field given must match for the
 * update to apply; this is the `WHERE` of the transition, so no read-then-write race exists.
 */
export interface TransitionGuard {
  statuses: readonly ConsultationStatus[];
  /** A user code, or `null` for "no recipient yet" (a queue item); omitted = any. */
  recipientUserCode?: string | null;
  requesterUserCode?: string;
  /** true: must never have started; false: must have started; omitted = either. */
  neverStarted?: boolean;
}

/** Columns a transition may set; `undefined` leaves a column alone, `null` clears it. */
export interface TransitionChanges {
  status: ConsultationStatus;
  recipientUserCode?: string | null;
  recipientName?: string | null;
  scheduledAt?: Date | null;
  rejectionReason?: string | null;
  cancelReason?: string | null;
  startedAt?: Date | null;
  endedAt?: Date | null;
  durationMinutes?: number | null;
  chatLogKey?: string | null;
  endedBy?: string | null;
  now: Date;
}

export type Action = "approve" | "reject" | "cancel" | "start" | "transfer" | "end";

/** The cleanup job's identity when it ends an orphaned consultation. */
export const SYSTEM = "SYSTEM";
export type Actor = User | typeof SYSTEM;

export interface ActionInput {
  scheduledAt?: Date | null;
  reason?: string | null;
  toUserCode?: string;
  toUserName?: string;
}

export interface Plan {
  guard: TransitionGuard;
  changes: Omit<TransitionChanges, "now">;
}

const forbidden = (message: string) => new ApiError("FORBIDDEN", message);
const invalidState = (c: Consultation, action: string) =>
  new ApiError("INVALID_STATE", `Cannot ${action} a consultation that is ${c.status}${c.startedAt && c.status === "PENDING" ? " (transferred)" : ""}`);

export const isRequester = (c: Consultation, u: User) => c.requesterUserCode === u.userCode;
export const isRecipient = (c: Consultation, u: User) => c.recipientUserCode === u.userCode;
export const isParticipant = (c: Consultation, u: User) => isRequester(c, u) || isRecipient(c, u);
/** A support-queue item nobody has taken: any counselor may see, approve or start it. */
export const isUnassigned = (c: Consultation) => c.status === "PENDING" && c.recipientUserCode === null;

/** Exactly one of recipientUserCode / category, and never oneself (SPEC sections 2 and 3). */
export function assertValidRequest(actor: User, input: { recipientUserCode?: string; category?: string }): void {
  const named = input.recipientUserCode !== undefined;
  if (named === (input.category !== undefined)) {
    throw new ApiError("VALIDATION", "Give exactly one of recipientUserCode and category", [
      { path: "recipientUserCode", message: "exactly one of recipientUserCode and category is required" },
    ]);
  }
  if (input.recipientUserCode === actor.userCode) {
    throw new ApiError("VALIDATION", "You cannot request a consultation with yourself", [
      { path: "recipientUserCode", message: "is the requester" },
    ]);
  }
}

/** Participants and admins may read a consultation; counselors may read unassigned queue items. */
export function assertCanView(c: Consultation, u: User): void {
  if (isParticipant(c, u) || u.isAdmin || (u.isCounselor && isUnassigned(c))) return;
  throw forbidden("Only the participants of a consultation may see it");
}

/** The guard that pins the row to what the plan was made from. */
function pinned(c: Consultation): TransitionGuard {
  return { statuses: [c.status], recipientUserCode: c.recipientUserCode, neverStarted: c.startedAt === null };
}

/**
 * Approve and start: the named recipient, or any counselor (except the requester) for a
 * queue item, who becomes the recipient. Another counselor's item is 409 when it came
 * from the queue (someone was faster) and 403 when it was addressed to someone else.
 */
function takeOver(c: Consultation, actor: User, action: "approve" | "start", from: ConsultationStatus[]) {
  if (!actor.isCounselor) throw forbidden(`Only counselors may ${action} consultations`);
  if (isRequester(c, actor)) throw forbidden(`You cannot ${action} your own request`);
  const addressedElsewhere = c.recipientUserCode !== null && !isRecipient(c, actor);
  if (addressedElsewhere && c.category === null) throw forbidden("This consultation is addressed to someone else");
  if (!from.includes(c.status)) throw invalidState(c, action);
  if (addressedElsewhere) throw new ApiError("INVALID_STATE", "Another counselor has already taken this consultation");
}

export function planAction(action: Exclude<Action, "end">, c: Consultation, actor: User, input: ActionInput, now: Date): Plan {
  switch (action) {
    case "approve": {
      takeOver(c, actor, "approve", ["PENDING"]);
      return {
        guard: pinned(c),
        changes: {
          status: "SCHEDULED",
          recipientUserCode: actor.userCode,
          recipientName: actor.name,
          scheduledAt: input.scheduledAt, // undefined keeps the requested time, null clears it
        },
      };
    }
    case "start": {
      takeOver(c, actor, "start", ["PENDING", "SCHEDULED"]);
      return {
        guard: pinned(c),
        // A transferred consultation keeps its first start, so its duration covers all of it.
        changes: { status: "IN_PROGRESS", recipientUserCode: actor.userCode, recipientName: actor.name, startedAt: c.startedAt ? undefined : now },
      };
    }
    case "reject": {
      if (!actor.isCounselor || !isRecipient(c, actor)) throw forbidden("Only the named recipient may reject a consultation");
      if (c.status !== "PENDING" || c.startedAt) throw invalidState(c, "reject");
      return { guard: pinned(c), changes: { status: "REJECTED", rejectionReason: input.reason ?? null } };
    }
    case "cancel": {
      if (!isRequester(c, actor)) throw forbidden("Only the requester may cancel a consultation");
      // A started consultation has chat history: it must be ended (and archived), not cancelled.
      if (!(c.status === "PENDING" || c.status === "SCHEDULED") || c.startedAt) throw invalidState(c, "cancel");
      return { guard: pinned(c), changes: { status: "CANCELLED", cancelReason: input.reason ?? null } };
    }
    case "transfer": {
      if (!isRecipient(c, actor) && !actor.isAdmin) throw forbidden("Only the recipient or an admin may transfer a consultation");
      if (!isOpen(c)) throw invalidState(c, "transfer");
      const to = input.toUserCode ?? null;
      if (to === c.requesterUserCode) throw new ApiError("VALIDATION", "Cannot transfer a consultation to its requester", [{ path: "toUserCode", message: "is the requester" }]);
      if (to === c.recipientUserCode) throw new ApiError("VALIDATION", to ? "The consultation is already assigned to that user" : "The consultation is already in the queue", [{ path: "toUserCode", message: "no change" }]);
      return {
        guard: pinned(c),
        changes: { status: "PENDING", recipientUserCode: to, recipientName: to ? (input.toUserName ?? null) : null },
      };
    }
  }
}

/** End (SPEC section 6 step 1): either participant, an admin, or the cleanup job; open only. */
export function assertCanEnd(c: Consultation, actor: Actor): void {
  if (actor !== SYSTEM && !isParticipant(c, actor) && !actor.isAdmin) {
    throw forbidden("Only the participants or an admin may end a consultation");
  }
  if (!isOpen(c)) throw invalidState(c, "end");
}

/** End step 3: COMPLETED with the archive key and whole minutes since the (first) start. */
export function planEnd(c: Consultation, actor: Actor, chatLogKey: string | null, now: Date): Plan {
  assertCanEnd(c, actor);
  const durationMinutes = c.startedAt ? Math.max(0, Math.floor((now.getTime() - Date.parse(c.startedAt)) / 60_000)) : null;
  return {
    guard: pinned(c),
    changes: {
      status: "COMPLETED",
      endedAt: now,
      durationMinutes,
      chatLogKey,
      endedBy: actor === SYSTEM ? SYSTEM : actor.userCode,
    },
  };
}

/** The first chat message of a participant starts a SCHEDULED consultation (SPEC section 2). */
export function planAutoStart(c: Consultation, sender: User, now: Date): Plan | null {
  if (c.status !== "SCHEDULED" || !isParticipant(c, sender)) return null;
  return { guard: pinned(c), changes: { status: "IN_PROGRESS", startedAt: c.startedAt ? undefined : now } };
}
