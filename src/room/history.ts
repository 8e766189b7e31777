import { nextMacrotask } from "../domain/macrotask";
import type { ChatMessage } from "../domain/types";
import type { MessageStore } from "../stores/message-store/port";
import type { ArchiveLog } from "./archive-log";

export interface RoomHistoryDeps {
  log: ArchiveLog;
  hot: MessageStore;
  requestIdx(): number;
  /** The seq of the newest message the room has stored (RoomState.lastSeq). */
  lastSeq(): number;
}

/**
 * Every read of the room's messages: GET /api/chat/messages (list, count), `sync`, the
 * history download, snapshots and the final archive. All of them read the room's log
 * (archive-log.ts), never the hot store alone: the hot store may have expired entirely,
 * or expired and then received newer messages, while the log holds every stored message
 * until the final archive (SPEC section 6, "Nor does one disappear from view").
 *
 * The hot store is read only to catch up a log that lags the room's last seq: a room
 * that stored messages before its log was written through on every store (it logged
 * only at backups). Only seqs up to the room's lastSeq taken BEFORE that read are copied:
 * a higher seq in the hot store may be the tail of a failed write that the room is about
 * to store again under the same seq.
 */
export class RoomHistory {
  constructor(private readonly deps: RoomHistoryDeps) {}

  /** The room's messages in seq order; `afterSeq` keeps seq > afterSeq, `last` the newest N. */
  async list(options: { afterSeq?: number; last?: number } = {}): Promise<ChatMessage[]> {
    await this.catchUp();
    // Only what the room recorded as stored: on the embedded store a row above lastSeq is
    // an append not yet recorded (or a crashed one the next append replaces).
    const upTo = this.deps.lastSeq();
    return this.deps.log.list(options).filter((m) => m.seq <= upTo);
  }

  async count(): Promise<number> {
    await this.catchUp();
    return this.deps.log.count;
  }

  /** Every message of the room, in seq order (snapshots, the final archive). */
  all(): Promise<ChatMessage[]> {
    return this.list();
  }

  private async catchUp(): Promise<void> {
    const { log, hot } = this.deps;
    const upTo = this.deps.lastSeq();
    const from = log.lastSeq;
    if (upTo <= from) return;
    const fresh = (await hot.list(this.deps.requestIdx(), { afterSeq: from })).filter((m) => m.seq <= upTo);
    // In bounded steps, yielding between them, so a long backlog never holds up the sends.
    for (let i = 0; i < fresh.length; i += LOG_COPY_STEP) {
      if (i > 0) await nextMacrotask(); // the room answers queued frames between steps
      log.add(fresh.slice(i, i + LOG_COPY_STEP));
    }
  }
}

/** Messages copied into the log per step; the room answers other events between steps. */
const LOG_COPY_STEP = 50;
