import type { RoomDO } from "./chat/room-do";
import type { InboxDO } from "./inbox/inbox-do";
import type { QueueWatchersDO } from "./inbox/queue-watchers-do";

/** Bindings and variables the Worker receives (see wrangler.toml and README "Configuration"). */
export interface Env {
  ROOM: DurableObjectNamespace<RoomDO>;
  /** One inbox per user (SPEC section 9), by user code. */
  INBOX: DurableObjectNamespace<InboxDO>;
  /** The counselors with an open inbox socket, in a few shards (src/inbox/queue-watchers-do.ts). */
  QUEUE_WATCHERS: DurableObjectNamespace<QueueWatchersDO>;
  DB: D1Database;
  ARCHIVE: R2Bucket;
  /** Static assets of the browser app (public/). */
  ASSETS?: Fetcher;

  JWT_SECRET?: string;
  JWT_JWKS?: string;
  JWT_JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;

  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;

  S3_ENDPOINT?: string;
  S3_REGION?: string;
  S3_ACCESS_KEY_ID?: string;
  S3_SECRET_ACCESS_KEY?: string;
  /** "false" for virtual-hosted URLs (`{bucket}.{host}`); default path-style (`{endpoint}/{bucket}`). */
  S3_FORCE_PATH_STYLE?: string;
  CHAT_ARCHIVE_BUCKET?: string;

  DATABASE_HOST?: string;
  DATABASE_USERNAME?: string;
  DATABASE_PASSWORD?: string;

  ALLOWED_ORIGINS?: string;
  CHAT_TTL_HOURS?: string;
  ORPHAN_HOURS?: string;
  TRANSCRIPT_TIMEZONE?: string;
  TRANSCRIPT_LOCALE?: string;
  COUNSELOR_ROLES?: string;
  ADMIN_ROLES?: string;

  /** Local development only: enables the demo sign-in route. */
  DEV_AUTH?: string;
}
