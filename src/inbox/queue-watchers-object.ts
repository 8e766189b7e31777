import { DurableObject } from "cloudflare:workers";
import { getServices } from "../config/services";
import { chunks } from "../domain/chunks";
import type { Consultation } from "../domain/types";
import type { QueueItem } from "../protocol/inbox-frames";
import type { InboxServices } from "./inbox-services";

/**
 * Who gets `queue` frames (SPEC section 9: every counselor sees every category's queue):
 * the counselors with an open inbox socket. Each counselor's inbox registers here when a
 * counselor socket connects and leaves when its last one closes; a queue change is fanned
 * out from here to those inboxes only, so its cost grows with the counselors online, never
 * with every counselor who ever signed in.
 *
 * Sharded by user code (QUEUE_WATCHER_SHARDS objects, see src/live/inbox-client.ts), so no
 * single object carries every counselor's registration or every fan-out; a queue change
 * asks each shard once.
 * A registration left behind (an inbox reset without its close events) heals itself: an
 * inbox with no counselor socket answers 0 and is dropped.
 *
 * The same class keeps the admins' registry (shards named `admins-N`): admins with an open
 * inbox socket get a `consultation` frame for every change (broadcastChange), which keeps
 * the admin dashboard live without polling. And the online registry (shards `online-N`):
 * every user whose inbox has a socket or a STOMP connection open, asked with `watching`
 * before a change or a room's activity is told to inboxes, so an offline user's inbox
 * object is not woken for it (src/live/inbox-client.ts).
 */
export class QueueWatchersDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly inboxes: InboxServices["inboxes"];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.inboxes = getServices(env).inboxes;
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS watchers (user_code TEXT PRIMARY KEY, version INTEGER NOT NULL)`);
  }

  async watch(userCode: string): Promise<void> {
    this.sql.exec(
      `INSERT INTO watchers (user_code, version) VALUES (?, 1) ON CONFLICT (user_code) DO UPDATE SET version = version + 1`,
      userCode,
    );
  }

  async unwatch(userCode: string): Promise<void> {
    this.sql.exec(`DELETE FROM watchers WHERE user_code = ?`, userCode);
  }

  /** The ones of `userCodes` registered here. */
  async watching(userCodes: string[]): Promise<string[]> {
    return chunks(userCodes).flatMap((part) =>
      this.sql
        .exec<{ user_code: string }>(`SELECT user_code FROM watchers WHERE user_code IN (${part.map(() => "?").join(", ")})`, ...part)
        .toArray()
        .map((r) => r.user_code),
    );
  }

  async watchers(): Promise<string[]> {
    return this.sql.exec<{ user_code: string }>(`SELECT user_code FROM watchers ORDER BY user_code`).toArray().map((r) => r.user_code);
  }

  /** Sends the category's queue to every registered counselor; drops those with no counselor socket. */
  async broadcast(category: string, items: QueueItem[], version: string): Promise<void> {
    await this.toEach("queue", (userCode) => this.inboxes.queueChanged(userCode, category, items, version));
  }

  /** Admin shards: one consultation changed; every registered admin's inbox gets it. */
  async broadcastChange(consultation: Consultation): Promise<void> {
    await this.toEach("change", (userCode) => this.inboxes.watchedChange(userCode, consultation));
  }

  /** Calls `notify` for every registration; one that reaches no socket (0) is dropped. */
  private async toEach(what: string, notify: (userCode: string) => Promise<number>): Promise<void> {
    const rows = this.sql.exec<{ user_code: string; version: number }>(`SELECT user_code, version FROM watchers`).toArray();
    await Promise.all(
      rows.map(async ({ user_code, version: registration }) => {
        try {
          const sockets = await notify(user_code);
          // Unless the counselor registered again meanwhile (a new socket during the call).
          if (sockets === 0) this.sql.exec(`DELETE FROM watchers WHERE user_code = ? AND version = ?`, user_code, registration);
        } catch (e) {
          console.error(`${what} notice to ${user_code} failed`, e);
        }
      }),
    );
  }
}
