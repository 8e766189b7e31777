/**
 * The main module of the workerd test projects: the Worker as deployed, with its RoomDO
 * replaced by a small purpose-built subclass (bound under the same class name, so
 * wrangler.toml's ROOM binding and migrations apply unchanged). The subclass hands the
 * room an archive store that tests may point elsewhere, per room: an S3 store, or one
 * that fails (see `useArchive` in test/support/rooms.ts). Nothing patches a live instance.
 */
import { RoomDO as DeployedRoomDO } from "../../src/index";
import type { RoomServices } from "../../src/room/room-services";
import type { ArchiveStore } from "../../src/stores/archive-store/port";

export { default, InboxDO, QueueWatchersDO } from "../../src/index";

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

// The base constructor asks for its services before this class's fields exist.
const archives = new WeakMap<object, SwitchableArchive>();

export class RoomDO extends DeployedRoomDO {
  protected override services(env: Env): RoomServices {
    const services = super.services(env);
    const archive = new SwitchableArchive(services.archive);
    archives.set(this, archive);
    return { ...services, archive };
  }

  /** The archive store this room writes to from now on (null: the configured one again). */
  useArchive(store: ArchiveStore | null): void {
    archives.get(this)!.target = store;
  }
}
