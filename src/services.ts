import { getConfig, type Config } from "./config";
import type { Env } from "./env";
import type { ArchiveStore } from "./stores/archive-store/port";
import { createR2ArchiveStore } from "./stores/archive-store/r2";
import { createS3ArchiveStore } from "./stores/archive-store/s3";
import { createD1Repository } from "./stores/consultation-repository/d1";
import type { ConsultationRepository } from "./stores/consultation-repository/port";
import { createPlanetscaleRepository } from "./stores/consultation-repository/planetscale";

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

function buildRepository(env: Env, config: Config): ConsultationRepository {
  if (config.database) return createPlanetscaleRepository(config.database);
  return createD1Repository(env.DB);
}

function buildArchive(env: Env, config: Config): ArchiveStore {
  if (config.s3) return createS3ArchiveStore({ ...config.s3, bucket: config.archiveBucket });
  return createR2ArchiveStore(env.ARCHIVE);
}
