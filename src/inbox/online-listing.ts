import type { InboxClient } from "../live/inbox-client";

/**
 * This inbox's entry in the online registry (src/live/inbox-client.ts `online`): listed
 * while anything is open here, an inbox socket or a STOMP connection. Changes and room
 * activity are told only to listed users' inboxes, so an offline user's object stays
 * asleep instead of being woken (and, under `wrangler dev`, evicted 10 s later) for each.
 *
 * Listed before a connecting socket's `ready` reads the repository, so a change is either
 * in that `ready` or told to this inbox after it; unlisted when the last thing closes. The
 * registry calls go one after another (a connect racing a close ends in the state of the
 * last one). What the registry holds is kept in SQLite (`listed`), so a woken inbox calls
 * it only when that changes. A stale entry (an inbox reset without its close events) only
 * costs notices to an inbox with nothing open, and the first such notice unlists it.
 */
export class OnlineListing {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: SqlStorage,
    private readonly userCode: string | undefined,
    private readonly inboxes: Pick<InboxClient, "online">,
    /** Whether anything is open, leaving out sockets that are closing. */
    private readonly anyOpen: (gone: readonly WebSocket[]) => boolean,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS online_listing (id INTEGER PRIMARY KEY CHECK (id = 1), listed INTEGER NOT NULL)`);
  }

  /** Brings the registry in step; rejects when the registry could not be told (the connect then fails). */
  sync(gone: readonly WebSocket[] = []): Promise<void> {
    return this.enqueue(() => this.anyOpen(gone), false);
  }

  /** A notice reached this inbox with nothing open: the registry has it listed, whatever `listed` says. */
  heal(): void {
    this.enqueue(() => this.anyOpen([]), true).catch((e) => console.error("online registry: unlisting failed", e));
  }

  private enqueue(open: () => boolean, force: boolean): Promise<void> {
    const step = async () => {
      const on = open();
      if (this.userCode === undefined || (!force && on === this.listed())) return;
      await this.inboxes.online(this.userCode, on);
      this.sql.exec(`INSERT INTO online_listing (id, listed) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET listed = excluded.listed`, on ? 1 : 0);
    };
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private listed(): boolean {
    return (this.sql.exec<{ listed: number }>(`SELECT listed FROM online_listing WHERE id = 1`).toArray()[0]?.listed ?? 0) === 1;
  }
}
