/**
 * The main module of the workerd test projects: the Worker as deployed, with its RoomDO
 * replaced by a small purpose-built subclass (bound under the same class name, so
 * wrangler.toml's ROOM binding and migrations apply unchanged). The subclass hands the
 * room an archive store that tests may point elsewhere, per room: an S3 store, or one
 * that fails (see `useArchive` in test/support/rooms.ts), and a hot store a test may slow
 * down, reads and appends apart, as a far-away Redis would be (`slowHotStore`), and the
 * write of its auto-start to the repository may be held back or fail (`gateStartWrites`),
 * as a slow or unreachable database would. Nothing patches a live instance.
 */
import { RoomDO as DeployedRoomDO } from "../../src/index";
import { getConfig } from "../../src/config/config";
import { queueEventPublisher, type EventQueue } from "../../src/events/producer";
import type { EventBatchMessage } from "../../src/events/types";
import type { RoomServices } from "../../src/room/room-services";
import type { ArchiveStore } from "../../src/stores/archive-store/port";
import type { MessageStore } from "../../src/stores/message-store/port";

export { default, InboxDO, QueueWatchersDO, PushDO, PushDirectoryDO, StompDO, WebhookLogDO } from "../../src/index";

/**
 * Per room (by object id), the archive store a test chose; module state, so it outlives an
 * eviction of the room's instance (test/archive/support/room.ts evicts to fire deadlines).
 */
const archiveTargets = new Map<string, ArchiveStore>();

/** An ArchiveStore that forwards to the room's chosen target, or to the configured store while none is set. */
class SwitchableArchive implements ArchiveStore {
  constructor(
    private readonly configured: ArchiveStore,
    private readonly roomId: string,
  ) {}
  set target(store: ArchiveStore | null) {
    if (store) archiveTargets.set(this.roomId, store);
    else archiveTargets.delete(this.roomId);
  }
  private get store(): ArchiveStore {
    return archiveTargets.get(this.roomId) ?? this.configured;
  }
  get browserOrigin(): string | null {
    return this.store.browserOrigin;
  }
  put: ArchiveStore["put"] = (...args) => this.store.put(...args);
  get: ArchiveStore["get"] = (...args) => this.store.get(...args);
  list: ArchiveStore["list"] = (...args) => this.store.list(...args);
  delete: ArchiveStore["delete"] = (...args) => this.store.delete(...args);
  head: ArchiveStore["head"] = (...args) => this.store.head(...args);
  presignPut: ArchiveStore["presignPut"] = (...args) => this.store.presignPut(...args);
  presignGet: ArchiveStore["presignGet"] = (...args) => this.store.presignGet(...args);
  putStream: ArchiveStore["putStream"] = (...args) => this.store.putStream(...args);
  getStream: ArchiveStore["getStream"] = (...args) => this.store.getStream(...args);
}

/** How late a slowed hot store answers, in ms (0: at once). */
export interface HotStoreDelays {
  /** `list` and `count` wait this long before reading, as a far-away Redis answers. */
  reads?: number;
  /** `append` answers this long after its write (the write itself is not delayed). */
  appends?: number;
}

/** How the room's auto-start write to the repository behaves: as is, held until released, or failing. */
export type StartWrites = "open" | "held" | "failing";

/** Per room (by object id): module state, so it outlives an eviction of the room's instance. */
const startGates = new Map<string, { mode: StartWrites; opened: Promise<void>; open: () => void }>();

function startGate(roomId: string) {
  let gate = startGates.get(roomId);
  if (!gate) {
    let open = () => {};
    const opened = new Promise<void>((r) => (open = r));
    gate = { mode: "open", opened, open };
    startGates.set(roomId, gate);
  }
  return gate;
}

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

/** A MessageStore that forwards to the room's own, answering as late as `delays` say. */
class SlowableMessageStore implements MessageStore {
  readonly delays: Required<HotStoreDelays> = { reads: 0, appends: 0 };
  constructor(private readonly store: MessageStore) {}
  append: MessageStore["append"] = async (...args) => {
    await this.store.append(...args);
    await sleep(this.delays.appends);
  };
  list: MessageStore["list"] = async (...args) => {
    await sleep(this.delays.reads);
    return this.store.list(...args);
  };
  count: MessageStore["count"] = async (...args) => {
    await sleep(this.delays.reads);
    return this.store.count(...args);
  };
  clear: MessageStore["clear"] = (...args) => this.store.clear(...args);
}

/**
 * The room's DurableObjectState with a SQL handle that counts its statements, so a test
 * can count what a `send` costs (DESIGN.md decision 9: measured, never guessed). Every
 * other member is the real one, bound to the real object.
 */
export interface StatementLog {
  statements: string[];
  /** The room's background tasks (its waitUntil) still running. */
  background: Set<Promise<void>>;
}
function countingState(ctx: DurableObjectState, log: StatementLog): DurableObjectState {
  const sql = ctx.storage.sql;
  const countingSql = new Proxy(sql, {
    get(target, key) {
      if (key === "exec") {
        return (query: string, ...bindings: unknown[]) => {
          log.statements.push(query.replace(/\s+/g, " ").trim());
          return target.exec(query, ...bindings);
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const storage = new Proxy(ctx.storage, {
    get(target, key) {
      if (key === "sql") return countingSql;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return new Proxy(ctx, {
    get(target, key) {
      if (key === "storage") return storage;
      if (key === "waitUntil") {
        return (promise: Promise<unknown>) => {
          const settled = promise.then(() => undefined, () => undefined);
          log.background.add(settled);
          void settled.then(() => log.background.delete(settled));
          target.waitUntil(promise);
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

// The base constructor asks for its services before this class's fields exist.
const archives = new WeakMap<object, SwitchableArchive>();
const hotStores = new WeakMap<object, SlowableMessageStore>();
const queueSends = new WeakMap<object, EventBatchMessage[][]>();

/** The EVENTS queue as the room uses it, recording each queue operation's bodies (then sending them for real). */
function countingQueue(queue: EventQueue, sends: EventBatchMessage[][]): EventQueue {
  return {
    send: (body, options) => (sends.push([body]), queue.send(body, options)),
    sendBatch: (messages) => {
      const list = [...messages];
      sends.push(list.map((m) => m.body));
      return queue.sendBatch(list);
    },
  };
}
const sqlLogs = new WeakMap<object, StatementLog>();

export class RoomDO extends DeployedRoomDO {
  /** Every SQL statement the room's parts ran since this instance started (this wake). */
  get sqlLog(): StatementLog {
    return sqlLogs.get(this)!;
  }

  /** Resolves once no background task of the room is running (deadlines follow a batch a turn later). */
  async settled(): Promise<void> {
    const running = sqlLogs.get(this)!.background;
    while (running.size > 0) await Promise.all(running);
  }

  protected override partsContext(ctx: DurableObjectState): DurableObjectState {
    const log: StatementLog = { statements: [], background: new Set() };
    sqlLogs.set(this, log);
    return countingState(ctx, log);
  }

  protected override services(env: Env): RoomServices {
    const services = super.services(env);
    const archive = new SwitchableArchive(services.archive, this.ctx.id.toString());
    archives.set(this, archive);
    const messageStoreFor: RoomServices["messageStoreFor"] = (sql) => {
      const built = services.messageStoreFor(sql);
      const slowable = new SlowableMessageStore(built.store);
      hotStores.set(this, slowable);
      return { ...built, store: slowable };
    };
    const sends: EventBatchMessage[][] = [];
    queueSends.set(this, sends);
    const events = queueEventPublisher(countingQueue(env.EVENTS as unknown as EventQueue, sends), getConfig(env).webhooks !== null);
    const roomId = this.ctx.id.toString();
    const startOnFirstMessage: RoomServices["startOnFirstMessage"] = async (...args) => {
      const gate = startGate(roomId);
      if (gate.mode === "failing") throw new Error("repository unreachable (test)");
      if (gate.mode === "held") await gate.opened;
      return services.startOnFirstMessage(...args);
    };
    return { ...services, archive, messageStoreFor, events, startOnFirstMessage };
  }

  /** From now on this room's auto-start writes to the repository go through, wait, or fail; "open" releases the held ones. */
  gateStartWrites(mode: StartWrites): void {
    const gate = startGate(this.ctx.id.toString());
    if (mode === "open") {
      gate.open();
      startGates.delete(this.ctx.id.toString());
    } else gate.mode = mode;
  }

  /** From now on this room's hot-store reads and/or appends answer that many ms late (0: at once). */
  slowHotStore(delays: HotStoreDelays): void {
    Object.assign(hotStores.get(this)!.delays, delays);
  }

  /** Every EVENTS queue operation of this room so far, with the bodies it carried. */
  queueSends(): EventBatchMessage[][] {
    return queueSends.get(this)!;
  }

  /** The archive store this room writes to from now on (null: the configured one again). */
  useArchive(store: ArchiveStore | null): void {
    archives.get(this)!.target = store;
  }
}
