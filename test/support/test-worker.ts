/**
 * The main module of the workerd test projects: the Worker as deployed, with its RoomDO
 * replaced by a small purpose-built subclass (bound under the same class name, so
 * wrangler.toml's ROOM binding and migrations apply unchanged). The subclass hands the
 * room an archive store that tests may point elsewhere, per room: an S3 store, or one
 * that fails (see `useArchive` in test/support/rooms.ts), and a hot store whose appends
 * can be made slow, as a far-away Redis would be (`slowHotStore`). Nothing patches a live
 * instance.
 */
import { RoomDO as DeployedRoomDO } from "../../src/index";
import type { RoomServices } from "../../src/room/room-services";
import type { ArchiveStore } from "../../src/stores/archive-store/port";
import type { MessageStore } from "../../src/stores/message-store/port";

export { default } from "../../src/index";

/** An ArchiveStore that forwards to `target`, or to the configured store while none is set. */
class SwitchableArchive implements ArchiveStore {
  target: ArchiveStore | null = null;
  constructor(private readonly configured: ArchiveStore) {}
  private get store(): ArchiveStore {
    return this.target ?? this.configured;
  }
  put: ArchiveStore["put"] = (...args) => this.store.put(...args);
  get: ArchiveStore["get"] = (...args) => this.store.get(...args);
  list: ArchiveStore["list"] = (...args) => this.store.list(...args);
  delete: ArchiveStore["delete"] = (...args) => this.store.delete(...args);
}

/** A MessageStore whose appends answer `delayMs` late (after the write, as a slow reply would). */
class SlowableMessageStore implements MessageStore {
  delayMs = 0;
  constructor(private readonly store: MessageStore) {}
  append: MessageStore["append"] = async (...args) => {
    await this.store.append(...args);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
  };
  list: MessageStore["list"] = (...args) => this.store.list(...args);
  count: MessageStore["count"] = (...args) => this.store.count(...args);
  clear: MessageStore["clear"] = (...args) => this.store.clear(...args);
}

// The base constructor asks for its services before this class's fields exist.
const archives = new WeakMap<object, SwitchableArchive>();
const hotStores = new WeakMap<object, SlowableMessageStore>();

export class RoomDO extends DeployedRoomDO {
  protected override services(env: Env): RoomServices {
    const services = super.services(env);
    const archive = new SwitchableArchive(services.archive);
    archives.set(this, archive);
    const messageStoreFor: RoomServices["messageStoreFor"] = (sql) => {
      const built = services.messageStoreFor(sql);
      const slowable = new SlowableMessageStore(built.store);
      hotStores.set(this, slowable);
      return { ...built, store: slowable };
    };
    return { ...services, archive, messageStoreFor };
  }

  /** From now on every hot-store append of this room answers `ms` late (0: at once). */
  slowHotStore(ms: number): void {
    hotStores.get(this)!.delayMs = ms;
  }

  /** The archive store this room writes to from now on (null: the configured one again). */
  useArchive(store: ArchiveStore | null): void {
    archives.get(this)!.target = store;
  }
}
