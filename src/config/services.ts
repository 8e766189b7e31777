import { createRoomClient, type RoomClient } from "../chat/room-client";
import { startOnFirstMessage, type LifecycleDeps } from "../consultations/service";
import type { InboxServices } from "../inbox/inbox-services";
import { createInboxClient, type InboxClient } from "../live/inbox-client";
import { createStompClient, type StompClient } from "../live/stomp-client";
import type { StompServices } from "../inbox/stomp-services";
import type { RoomServices } from "../room/room-services";
import type { ArchiveStore } from "../stores/archive-store/port";
import { createR2ArchiveStore } from "../stores/archive-store/r2";
import { createS3ArchiveStore } from "../stores/archive-store/s3";
import { createD1Repository } from "../stores/consultation-repository/d1";
import type { ConsultationRepository } from "../stores/consultation-repository/port";
import { createPlanetscaleRepository } from "../stores/consultation-repository/planetscale";
import type { RoomMessageStore } from "../stores/message-store/port";
import { SqliteMessageStore } from "../stores/message-store/sqlite";
import { UpstashMessageStore } from "../stores/message-store/upstash";
import { getConfig, type Config } from "./config";
import { queueEventPublisher, type EventPublisher } from "../events/producer";
import type { EventsQueueBody } from "../events/types";
import { createNotifyClient, type NotifyClient } from "../push/push-client";

/**
 * Everything a request, the cron job, a room or an inbox needs (config, repository, archive
 * store, each room's message store, the room and inbox clients, clock and id source), built once per `env`
 * from the parsed config. This is the composition root: the one place that reads bindings
 * and picks adapters (embedded defaults unless a production group of variables is set);
 * nothing else knows which adapter it has.
 */
export interface Services extends RoomServices, InboxServices, StompServices, LifecycleDeps {
  config: Config;
  now(): Date;
  repository: ConsultationRepository;
  /** The typed client of the rooms (also the lifecycle's `gateway`). */
  rooms: RoomClient;
  /** The typed client of the inboxes and the queue watchers (the live notices). */
  inboxes: InboxClient;
  /** The typed client of the STOMP connection objects (SPEC section 12). */
  stomp: StompClient;
  /** The EVENTS queue's producer (SPEC section 10). */
  events: EventPublisher;
  /** The push objects and the webhook log (routes, queue consumer). */
  notify: NotifyClient;
  /** The queues themselves, for the consumer's own messages (per-URL deliveries, push retries, dead letters). */
  queues: { events: Queue<EventsQueueBody>; deadLetters: Queue<EventsQueueBody> };
}

const cache = new WeakMap<object, Services>();

export function getServices(env: Env): Services {
  let services = cache.get(env);
  if (!services) {
    services = buildServices(env);
    cache.set(env, services);
  }
  return services;
}

function buildServices(env: Env): Services {
  const config = getConfig(env);
  const repository = buildRepository(env, config);
  const rooms = createRoomClient(env);
  const inboxes = createInboxClient(env, repository);
  const queues = { events: env.EVENTS as Queue<EventsQueueBody>, deadLetters: env.EVENTS_DLQ as Queue<EventsQueueBody> };
  const events = queueEventPublisher(queues.events, config.webhooks !== null);
  const now = () => new Date();
  const lifecycle: LifecycleDeps = { repository, gateway: rooms, now };
  return {
    config,
    repository,
    archive: buildArchive(env, config),
    rooms,
    inboxes,
    stomp: createStompClient(env),
    events,
    notify: createNotifyClient(env),
    queues,
    gateway: rooms,
    messageStoreFor: (sql) => buildMessageStore(config, sql),
    limits: config.limits,
    // The room lends its waitUntil, so the inboxes hear of the start without delaying the send.
    startOnFirstMessage: (requestIdx, sender, waitUntil, known) =>
      startOnFirstMessage({ ...lifecycle, live: { inboxes, events, waitUntil } }, requestIdx, sender, known),
    now,
    newId: () => crypto.randomUUID(),
  };
}

function buildRepository(env: Env, config: Config): ConsultationRepository {
  if (config.database) return createPlanetscaleRepository(config.database);
  return createD1Repository(env.DB);
}

function buildArchive(env: Env, config: Config): ArchiveStore {
  if (config.s3) return createS3ArchiveStore({ ...config.s3, bucket: config.archiveBucket });
  return createR2ArchiveStore(env.ARCHIVE);
}

/**
 * A room's MessageStore: Upstash Redis when `config.upstash` is set, else the embedded
 * default in the room's own SQLite storage (built inside the Durable Object, hence `sql`).
 */
function buildMessageStore(config: Config, sql: SqlStorage): RoomMessageStore {
  if (config.upstash) {
    return { store: new UpstashMessageStore({ ...config.upstash, ttlHours: config.chatTtlHours }), localExpiry: null, writesRoomLog: false };
  }
  const embedded = new SqliteMessageStore(sql, config.chatTtlHours);
  return { store: embedded, localExpiry: embedded, writesRoomLog: true };
}
