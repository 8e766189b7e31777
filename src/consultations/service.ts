import type { RoomGateway } from "../chat/room-client";
import type { Config } from "../config/config";
import type { Consultation, User } from "../domain/types";
import { ApiError } from "../domain/errors";
import { announceChange, EVENT_OF_ACTION, type Announcer } from "./announce-change";
import type { ConsultationRepository } from "../stores/consultation-repository/port";
import { createWithinLimits } from "./create-limits";
import {
  assertCanEnd,
  assertCanView,
  assertValidRequest,
  planAction,
  planAutoStart,
  planEnd,
  SYSTEM,
  type Action,
  type ActionInput,
  type Actor,
  type Plan,
} from "../domain/rules";

/** What the lifecycle needs: the Services of src/config/services.ts are one (cron adds its clock). */
export interface LifecycleDeps {
  repository: ConsultationRepository;
  gateway: RoomGateway;
  now?: () => Date;
  /** Create limits (SPEC section 14); absent = none (callers that never create). */
  limits?: Config["limits"];
  /** Where stored changes are announced (inbox sockets, the events queue) and what keeps that running; absent: nobody is told. */
  live?: Announcer;
}

/**
 * The lifecycle of one request or cron run: the services plus the live notices, kept
 * running by the caller's `waitUntil` after the response (the inbox client comes from
 * the composition root, the `waitUntil` from the request).
 */
export function withLive<D extends LifecycleDeps>(
  deps: D,
  announcer: Omit<Announcer, "waitUntil">,
  waitUntil: Announcer["waitUntil"],
): D & { live: Announcer } {
  return { ...deps, live: { inboxes: announcer.inboxes, events: announcer.events, waitUntil } };
}

/**
 * A conditional update only fails when the row changed between our read and our write;
 * re-planning from the fresh row then either succeeds or gives the right refusal (for a
 * queue race, the loser sees the winner's row and gets 409). Two rounds suffice in practice;
 * the bound only protects against a pathological stream of concurrent changes.
 */
const MAX_ATTEMPTS = 4;

/** The consultation, or 404 NOT_FOUND: the one "does it exist" check of every route. */
export async function loadConsultation(repository: ConsultationRepository, requestIdx: number): Promise<Consultation> {
  const c = await repository.findById(requestIdx);
  if (!c) throw new ApiError("NOT_FOUND", `Consultation ${requestIdx} does not exist`);
  return c;
}

/**
 * Read, plan, conditionally write; re-plan while the row keeps changing underneath.
 * `beforeWrite` runs between the plan and the write (the room's hold on starts).
 */
async function applyPlanned(
  deps: LifecycleDeps,
  requestIdx: number,
  plan: (current: Consultation, now: Date) => Plan,
  beforeWrite?: (current: Consultation) => Promise<void>,
): Promise<{ before: Consultation; after: Consultation }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const before = await loadConsultation(deps.repository, requestIdx);
    const now = deps.now?.() ?? new Date();
    const { guard, changes } = plan(before, now);
    await beforeWrite?.(before);
    const after = await deps.repository.transition(requestIdx, guard, { ...changes, now });
    if (after) return { before, after };
  }
  throw new ApiError("INVALID_STATE", "The consultation changed concurrently; try again");
}

/** The room is told after the database changed; a failure there must not undo the change. */
async function notify(what: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    console.error(`room notification (${what}) failed`, e);
  }
}

export interface CreateInput {
  recipientUserCode?: string;
  recipientName?: string;
  category?: string;
  title: string;
  content?: string;
  scheduledAt?: Date;
}

/** A request to a named counselor, or (with `category`) into the support queue. */
export async function createConsultation(deps: LifecycleDeps, actor: User, input: CreateInput): Promise<Consultation> {
  assertValidRequest(actor, input);
  const created = await createWithinLimits(deps.repository, {
    requesterUserCode: actor.userCode,
    requesterName: actor.name,
    recipientUserCode: input.recipientUserCode ?? null,
    recipientName: input.recipientUserCode ? (input.recipientName ?? null) : null,
    category: input.category ?? null,
    title: input.title,
    content: input.content ?? null,
    scheduledAt: input.scheduledAt ?? null,
    now: deps.now?.() ?? new Date(),
  }, deps.limits ?? { maxOpenRequests: 0, createsPerHour: 0 });
  announceChange(deps.live, "consultation.created", null, created, new Date(created.createdAt));
  return created;
}

export async function getConsultation(deps: LifecycleDeps, requestIdx: number, actor: User): Promise<Consultation> {
  const c = await loadConsultation(deps.repository, requestIdx);
  assertCanView(c, actor);
  return c;
}

/** approve, reject, cancel, start, transfer: one conditional update, then tell the room. */
export async function performAction(
  deps: LifecycleDeps,
  action: Exclude<Action, "end">,
  requestIdx: number,
  actor: User,
  input: ActionInput,
): Promise<Consultation> {
  const { before, after } = await applyPlanned(deps, requestIdx, (c, now) => planAction(action, c, actor, input, now), (c) => settleStarts(deps, action, c));
  await notify(action, () => deps.gateway.statusChanged(after, before, actor));
  announceChange(deps.live, EVENT_OF_ACTION[action], before, after, new Date(after.updatedAt));
  return after;
}

/**
 * A cancel or transfer of a SCHEDULED row races the room's optimistic auto-start
 * (src/room/status-changes.ts): the room records a start it made first (the guarded write
 * then fails and the re-plan sees IN_PROGRESS) and holds later ones. Other actions from
 * SCHEDULED (a manual start) agree with an auto-start, and an end archives through the room.
 */
async function settleStarts(deps: LifecycleDeps, action: Exclude<Action, "end">, c: Consultation): Promise<void> {
  if (c.status === "SCHEDULED" && (action === "cancel" || action === "transfer")) await deps.gateway.holdStarts(c.requestIdx);
}

/**
 * The one way a consultation ends (REST by a participant or admin, and the cleanup job
 * with `SYSTEM`), in SPEC section 6's order: check (403/404/409), let the room seal and
 * archive (throws UPSTREAM_UNAVAILABLE with nothing changed if the archive failed), mark
 * COMPLETED, then let the room close its sockets. Safe to retry after any failure.
 */
export async function endConsultation(deps: LifecycleDeps, requestIdx: number, actor: Actor): Promise<Consultation> {
  const current = await loadConsultation(deps.repository, requestIdx);
  assertCanEnd(current, actor);
  const endedBy = actor === SYSTEM ? SYSTEM : actor.userCode;
  const { chatLogKey } = await deps.gateway.archive(current, endedBy);
  const { before, after } = await applyPlanned(deps, requestIdx, (c, now) => planEnd(c, actor, chatLogKey, now));
  await notify("completed", () => deps.gateway.completed(after));
  announceChange(deps.live, "consultation.ended", before, after, new Date(after.updatedAt));
  return after;
}

/**
 * For the room: a participant's first chat message starts a SCHEDULED consultation.
 * Returns the updated consultation, or null when there was nothing to start (already
 * started, not a participant, or no longer SCHEDULED). The room sends its own frames.
 *
 * `known` is the room's own copy of the row: planning on it saves the read, the slowest
 * half of the first message. The transition is guarded by every field the plan depends
 * on (status, recipient, never started), so a stale copy can only miss the guard; then
 * the row is read and planned on as usual.
 */
export async function startOnFirstMessage(deps: LifecycleDeps, requestIdx: number, sender: User, known?: Consultation | null): Promise<Consultation | null> {
  if (known?.requestIdx === requestIdx) {
    const started = await tryAutoStart(deps, requestIdx, known, sender);
    if (started) return started;
  }
  return tryAutoStart(deps, requestIdx, await loadConsultation(deps.repository, requestIdx), sender);
}

async function tryAutoStart(deps: LifecycleDeps, requestIdx: number, c: Consultation, sender: User): Promise<Consultation | null> {
  const now = deps.now?.() ?? new Date();
  const plan = planAutoStart(c, sender, now);
  if (!plan) return null;
  const after = await deps.repository.transition(requestIdx, plan.guard, { ...plan.changes, now });
  announceChange(deps.live, "consultation.started", c, after, now);
  return after;
}
