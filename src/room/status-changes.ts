import { nextMacrotask } from "../domain/macrotask";
import { planAutoStart } from "../domain/rules";
import type { Consultation, User } from "../domain/types";
import { CLOSE } from "../protocol/close-codes";
import type { Connections } from "./connections";
import { describeChange, type Locale } from "./lifecycle";
import type { Messages } from "./messages";
import type { RoomServices } from "./room-services";
import type { RoomState } from "./state";
import { StartRecords } from "./start-records";

/** When a start the repository could not record is tried again (the alarm's `start` deadline). */
export const START_RETRY_MS = 10_000;

export interface StatusChangesDeps {
  state: RoomState;
  messages: Messages;
  connections: Connections;
  services: Pick<RoomServices, "repository" | "startOnFirstMessage">;
  requestIdx(): number;
  locale(): Locale;
  /** Keeps the auto-start's inbox notices running after the send (the object's waitUntil). */
  waitUntil(promise: Promise<unknown>): void;
  now(): Date;
  /** Sets the alarm's `start` deadline: a start not recorded yet is tried again then. */
  retryStartAt(atMs: number): Promise<void>;
}

/**
 * The room's side of the consultation's lifecycle: the auto-start on a participant's
 * first message, the SYSTEM messages, `status` frames and closes of a state change, and
 * the final close once COMPLETED is stored.
 *
 * The auto-start is optimistic: the room plans it on its own copy of the row (the same
 * rule as the repository's, src/domain/rules.ts), records it as pending in its SQLite,
 * stores "started" and the first message and acks, and writes IN_PROGRESS to the
 * repository a macrotask later, so the first message does not wait for that write (nor
 * do the frames of other rooms queued behind it). What keeps that safe:
 * - the only other changes of a SCHEDULED row are a cancel, a transfer and an end. A
 *   cancel or transfer first calls `holdStarts` (src/consultations/service.ts): the room
 *   settles a pending start (so the change then sees IN_PROGRESS and plans on it) and
 *   takes later starts through the repository and its guard until the change arrives;
 *   an end archives through the room first, and a start that loses to it follows the row;
 * - the pending start survives a crash (StartRecords) and is written on the next wake or
 *   by the alarm's `start` deadline when the repository was unavailable;
 * - the row the room plans carries the old `updatedAt` plus 1 ms, so any row the
 *   repository writes afterwards replaces it, and a copy read before the start does not.
 * Until the write lands, a REST read of the row may still say SCHEDULED (milliseconds;
 * the room's `status` frame is the live signal), and the inboxes hear of the start when
 * it is recorded.
 */
export class StatusChanges {
  /** The in-flight auto-start (first message in a SCHEDULED room), shared by racing sends. */
  private starting: Promise<void> | null = null;
  /** The repository write of an optimistic start, in flight. */
  private confirming: Promise<boolean> | null = null;
  private readonly records: StartRecords;

  constructor(private readonly deps: StatusChangesDeps) {
    this.records = new StartRecords(deps.state);
  }

  /** An auto-start or its repository write is in flight (ServerCloser does not reset the room meanwhile). */
  get busy(): boolean {
    return this.starting !== null || this.confirming !== null;
  }

  /**
   * The first message of a participant moves a SCHEDULED consultation to IN_PROGRESS.
   * Returns the auto-start a send must wait for: a new one in a SCHEDULED room, the one
   * in flight (the row already says IN_PROGRESS while its "started" message is still
   * being stored), or null when there is none, so a send that need not wait never yields.
   * Every send waits for a start in flight, so none overtakes the first message (nor the
   * sends that arrived while it waited: they resume in arrival order).
   */
  startFor(sender: User): Promise<void> | null {
    if (!this.starting && this.deps.state.consultation?.status === "SCHEDULED") {
      // One promise for every waiting send, so they resume in the order they arrived.
      this.starting = this.start(sender).finally(() => (this.starting = null));
    }
    return this.starting;
  }

  private async start(sender: User): Promise<void> {
    const { state, services, requestIdx, waitUntil } = this.deps;
    const before = state.consultation!;
    const planned = this.records.held() ? null : plannedStart(before, sender, this.deps.now());
    if (planned) {
      // Kept, so it is written in the planned row's own statement (one transaction with it).
      this.records.begin({ sender, before });
      const delivered = this.queueChange(planned, before);
      state.flushKept();
      // Tracked before "started" is stored, so that message's events already wait for it
      // (startWritten); the send's wait ends now and its message joins "started"'s batch.
      this.track(delivered.then(nextMacrotask).then(() => this.record()));
      return;
    }
    // Held by a lifecycle change under way (or not the sender's to start): the repository decides.
    const after = (await services.startOnFirstMessage(requestIdx(), sender, waitUntil, before)) ?? (await services.repository.findById(requestIdx()));
    if (after) void this.queueChange(after, before);
  }

  /**
   * Writes the pending start to the repository; false when it could not (the alarm tries
   * again). A start that lost to a concurrent change (only possible when a hold expired)
   * makes the room follow the row.
   */
  private async record(): Promise<boolean> {
    const pending = this.records.pending();
    if (!pending) return true;
    const { services, requestIdx, waitUntil } = this.deps;
    try {
      const after =
        (await services.startOnFirstMessage(requestIdx(), pending.sender, waitUntil, pending.before)) ?? (await services.repository.findById(requestIdx()));
      this.records.recorded();
      if (after && after.status !== "IN_PROGRESS") console.error(`room ${requestIdx()}: its start lost to a concurrent change (${after.status})`);
      // The repository's row and the cleared marker in one statement.
      const applied = after ? this.apply(after, pending.before) : null;
      this.deps.state.flushKept();
      await applied;
      return true;
    } catch (e) {
      console.error(`room ${requestIdx()}: start not recorded yet, tried again in ${START_RETRY_MS} ms`, e);
      await this.deps.retryStartAt(Date.now() + START_RETRY_MS);
      return false;
    }
  }

  private track(run: Promise<boolean>): Promise<boolean> {
    this.confirming = run;
    const done = run.finally(() => {
      if (this.confirming === run) this.confirming = null;
    });
    this.deps.waitUntil(done);
    return done;
  }

  /**
   * Resolves once no optimistic start is being written: the room's `message.created`
   * events wait for it, so the queue gets `consultation.started` (sent by the write) first.
   */
  startWritten(): Promise<unknown> {
    return this.confirming ?? Promise.resolve();
  }

  /** An auto-start the repository has not recorded yet. */
  get startPending(): boolean {
    return this.records.pending() !== null;
  }

  /** A wake or the alarm: writes a start that a crash or an unavailable repository left pending. */
  resumePendingStart(): Promise<boolean> {
    if (this.confirming) return this.confirming;
    return this.records.pending() ? this.track(this.record()) : Promise.resolve(true);
  }

  /**
   * The lifecycle is about to cancel or transfer the SCHEDULED row: later starts wait for
   * the repository until that change arrives (or START_HOLD_MS), and a pending start is
   * written first. Resolves to false when it could not be: the change must not go ahead.
   */
  async holdStarts(): Promise<boolean> {
    this.records.hold();
    return this.resumePendingStart();
  }

  /** A change from the lifecycle (RoomGateway.statusChanged): applied, and the hold it asked for ends. */
  async changed(next: Consultation, hint: Consultation): Promise<void> {
    await this.apply(next, hint);
    this.records.release();
  }

  /** A state change through REST, or the repository's record of a start: applied, and waited for (queueChange). */
  async apply(next: Consultation, hint: Consultation): Promise<void> {
    await this.queueChange(next, hint);
  }

  /**
   * A state change: the SYSTEM message first, then `status` frames, then closes after a
   * grace (4003 for a replaced recipient, 4009 when over). The row and the seal are taken
   * at once and the SYSTEM message queued (its seq is taken); the `status` frame rides on
   * its delivery, right after it. The promise resolves once that is done; an auto-start
   * does not wait for it, so the first message is stored in the same batch.
   */
  private queueChange(next: Consultation, hint: Consultation): Promise<void> {
    const { state, messages, connections } = this.deps;
    const prev = state.consultation ?? hint;
    if (state.rememberConsultation(next) !== next) return Promise.resolve(); // an older row than the room's
    const change = describeChange(prev, next, this.deps.locale());
    if (change.terminal) state.sealed = true;
    const status = change.statusFrame ? ({ type: "status", status: next.status } as const) : undefined;
    const announced = () => {
      // Closes follow the status frame after a grace (ServerCloser): frames already on
      // their way are answered first.
      for (const userCode of change.closeUsers) connections.closeAfterGrace(CLOSE.TRANSFERRED, "Transferred", userCode);
      if (change.terminal) connections.closeAfterGrace(CLOSE.ENDED, `Consultation ${next.status}`);
    };
    // A sealed room is being archived: a late "started" must not land after "ended".
    if (!change.systemText || state.sealed) {
      if (status) connections.broadcast(status);
      announced();
      return Promise.resolve();
    }
    return messages.postSystem(change.systemText, status).then(announced, (e: unknown) => {
      console.error("room could not store a SYSTEM message", e);
      if (status) connections.broadcast(status);
      announced();
    });
  }

  /** COMPLETED is stored: every socket gets `status` COMPLETED and closes with 4009. */
  completed(consultation: Consultation): void {
    const { state, connections } = this.deps;
    state.rememberConsultation(consultation);
    state.sealed = true;
    connections.broadcast({ type: "status", status: consultation.status });
    connections.closeAfterGrace(CLOSE.ENDED, "Consultation ended");
  }
}

/**
 * The row the repository would write for the auto-start, planned on the room's copy;
 * null when the sender does not start it. Its `updatedAt` is the copy's plus 1 ms: newer
 * than any copy read before the start, older than the repository's own write.
 */
function plannedStart(before: Consultation, sender: User, now: Date): Consultation | null {
  if (!planAutoStart(before, sender, now)) return null;
  return {
    ...before,
    status: "IN_PROGRESS",
    startedAt: before.startedAt ?? now.toISOString(),
    updatedAt: new Date(Date.parse(before.updatedAt) + 1).toISOString(),
  };
}
