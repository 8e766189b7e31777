import { getConfig, type Config } from "./config";
import type { Env } from "./env";
import type { ArchiveStore } from "./stores/archive-store/port";
import type { ConsultationRepository } from "./stores/consultation-repository/port";

/**
 * Everything a request or a room needs, built once per `env` from the parsed config. This
 * is the one place that picks adapters (embedded defaults unless a production group of
 * variables is set); nothing else knows which adapter it has.
 *
 * The MessageStore is not here: its embedded adapter lives inside each room's Durable
 * Object storage, so the room builds it (src/chat/message-store-factory.ts).
 */
export interface Services {
  config: Config;
  repository: ConsultationRepository;
  archive: ArchiveStore;
}

const cache = new WeakMap<object, Services>();

export function getServices(env: Env): Services {
  let services = cache.get(env);
  if (!services) {
    const config = getConfig(env);
    services = { config, repository: buildRepository(env, config), archive: buildArchive(env, config) };
    cache.set(env, services);
  }
  return services;
}

function buildRepository(_env: Env, _config: Config): ConsultationRepository {
  throw new Error("ConsultationRepository adapters are not wired yet");
}

function buildArchive(_env: Env, _config: Config): ArchiveStore {
  throw new Error("ArchiveStore adapters are not wired yet");
}
