/**
 * The main module of the workerd test projects: the Worker as deployed, with its RoomDO
 * replaced by a small purpose-built subclass (bound under the same class name, so
 * wrangler.toml's ROOM binding and migrations apply unchanged). The subclass hands the
 * room an archive store that tests may point elsewhere, per room: an S3 store, or one
 * that fails (see `useArchive` in test/support/rooms.ts), and a hot store whose reads a
 * test may slow down (`slowHotReads`, as a far Upstash answers). Nothing patches a live instance.
 */
import { RoomDO as DeployedRoomDO } from "../../src/index";
import type { RoomServices } from "../../src/room/room-services";
import type { ArchiveStore } from "../../src/stores/archive-store/port";
import type { RoomMessageStore } from "../../src/stores/message-store/port";

export { default, InboxDO, QueueWatchersDO } from "../../src/index";

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

/** The room's hot store with a `list` that first waits `delayMs` (0: as configured). */
function slowable(hot: RoomMessageStore): { hot: RoomMessageStore; delay: { ms: number } } {
  const delay = { ms: 0 };
  const store = hot.store;
  const list: typeof store.list = async (...args) => {
    if (delay.ms > 0) await new Promise((resolve) => setTimeout(resolve, delay.ms));
    return store.list(...args);
  };
  return { hot: { ...hot, store: { append: (...a) => store.append(...a), list, count: (...a) => store.count(...a), clear: (...a) => store.clear(...a) } }, delay };
}

/**
 * The room's DurableObjectState with a SQL handle that counts its statements, so a test
 * can count what a `send` costs (DESIGN.md decision 9: measured, never guessed). Every
 * other member is the real one, bound to the real object.
 */
export interface StatementLog {
  statements: string[];
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
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

// The base constructor asks for its services before this class's fields exist.
const archives = new WeakMap<object, SwitchableArchive>();
const hotDelays = new WeakMap<object, { ms: number }>();
const sqlLogs = new WeakMap<object, StatementLog>();

export class RoomDO extends DeployedRoomDO {
  /** Every SQL statement the room's parts ran since this instance started (this wake). */
  get sqlLog(): StatementLog {
    return sqlLogs.get(this)!;
  }

  protected override partsContext(ctx: DurableObjectState): DurableObjectState {
    const log: StatementLog = { statements: [] };
    sqlLogs.set(this, log);
    return countingState(ctx, log);
  }

  protected override services(env: Env): RoomServices {
    const services = super.services(env);
    const archive = new SwitchableArchive(services.archive, this.ctx.id.toString());
    archives.set(this, archive);
    const messageStoreFor = (sql: SqlStorage) => {
      const { hot, delay } = slowable(services.messageStoreFor(sql));
      hotDelays.set(this, delay);
      return hot;
    };
    return { ...services, archive, messageStoreFor };
  }

  /** From now on every hot-store read of this room waits `ms` first (0: not any more). */
  slowHotReads(ms: number): void {
    hotDelays.get(this)!.ms = ms;
  }

  /** The archive store this room writes to from now on (null: the configured one again). */
  useArchive(store: ArchiveStore | null): void {
    archives.get(this)!.target = store;
  }
}
