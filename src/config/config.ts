import { z } from "zod";
import { ConfigError } from "../domain/errors";
import { DEFAULT_FCM_ENDPOINT, parseServiceAccount, type ServiceAccount } from "../events/consumers/fcm";
import { vapidKeysProblems, type VapidKeys } from "../events/consumers/web-push";
import { parseWebhookSecret, parseWebhookUrls } from "../events/consumers/webhooks";

/**
 * Every variable the Worker reads (README "Configuration"). Most are secrets or optional
 * groups that wrangler.toml does not list, so the generated `Env` (src/worker-configuration.d.ts)
 * has only the bindings and [vars]; this is the variables' half.
 */
const VARIABLES = [
  "JWT_SECRET", "JWT_JWKS", "JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE",
  "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN",
  "S3_ENDPOINT", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_FORCE_PATH_STYLE", "CHAT_ARCHIVE_BUCKET",
  "DATABASE_HOST", "DATABASE_USERNAME", "DATABASE_PASSWORD",
  "ALLOWED_ORIGINS", "CHAT_TTL_HOURS", "ORPHAN_HOURS", "TRANSCRIPT_TIMEZONE", "TRANSCRIPT_LOCALE",
  "COUNSELOR_ROLES", "ADMIN_ROLES", "JWT_REQUIRE_EXP", "MAX_OPEN_REQUESTS", "CREATES_PER_HOUR",
  "ATTACHMENT_MAX_BYTES", "ATTACHMENT_TYPES",
  /** Notifications and webhooks (SPEC section 10). */
  "VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT", "PUSH_BATCH_SECONDS",
  "FCM_SERVICE_ACCOUNT", "FCM_ENDPOINT", "WEBHOOK_URLS", "WEBHOOK_SECRET",
  /** Key of the Worker's own upload URLs (R2 binding); defaults to JWT_SECRET. */
  "ATTACHMENT_SIGNING_SECRET",
  /** Local development only: enables the demo sign-in route. */
  "DEV_AUTH",
] as const;

/** The variables as the Worker receives them (unset ones are absent). */
export type ConfigVars = Partial<Record<(typeof VARIABLES)[number], string>>;

/**
 * The typed configuration, parsed once per `env` object. Adapters are chosen from it
 * (see src/config/services.ts); nothing else reads `env` variables directly.
 */
export interface Config {
  auth: {
    secret: string | null;
    jwks: { keys: Record<string, unknown>[] } | null;
    jwksUrl: string | null;
    issuer: string | null;
    audience: string | null;
  };
  roles: { counselor: string[]; admin: string[] };
  /** SPEC section 14: tokens without `exp` are refused unless JWT_REQUIRE_EXP=false. */
  requireExp: boolean;
  /** SPEC section 14: per-requester limits; 0 turns one off. */
  limits: { maxOpenRequests: number; createsPerHour: number };
  allowedOrigins: string[] | null;
  chatTtlHours: number;
  orphanHours: number;
  transcript: { timezone: string; locale: "ko" | "en" };
  archiveBucket: string;
  upstash: { url: string; token: string } | null;
  s3: {
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    /** false: virtual-hosted URLs (`{bucket}.{host}`), from S3_FORCE_PATH_STYLE=false. */
    forcePathStyle: boolean;
  } | null;
  database: { host: string; username: string; password: string } | null;
  devAuth: boolean;
  /** SPEC section 11 (see src/attachments). */
  attachments: {
    maxBytes: number;
    /** Lower-case `type/subtype` values, no parameters. */
    types: string[];
    /** Key material of the Worker's own upload URLs: ATTACHMENT_SIGNING_SECRET, else JWT_SECRET. */
    signingSecret: string | null;
  };
  /** SPEC section 10: Web Push (null without VAPID keys), FCM (null without a service account), the batching window. */
  push: {
    vapid: VapidKeys | null;
    fcm: { account: ServiceAccount; endpoint: string } | null;
    /** At most one message push per room per this many seconds. */
    batchSeconds: number;
  };
  /** SPEC section 10: null when no WEBHOOK_URLS are set. */
  webhooks: { urls: string[]; secret: Uint8Array<ArrayBuffer> } | null;
}

const list = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v ?? fallback)
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    );

const positiveNumber = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) {
        ctx.addIssue({ code: "custom", message: `${name} must be a positive number` });
        return z.NEVER;
      }
      return n;
    });

/** A count limit: a whole number >= 0, where 0 means "no limit". */
const limit = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      if (!/^\d+$/.test(v.trim())) {
        ctx.addIssue({ code: "custom", message: `${name} must be a whole number (0 = no limit)` });
        return z.NEVER;
      }
      return Number(v.trim());
    });

/** Default ATTACHMENT_TYPES (SPEC section 11): images, PDF, text, zip, Office Open XML, Hangul. */
export const DEFAULT_ATTACHMENT_TYPES = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "application/pdf",
  "text/plain",
  "text/csv",
  "application/zip",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  "application/x-hwp",
  "application/haansofthwp",
].join(",");

/** A single S3 PUT takes at most 5 GiB; a larger limit could never be honoured. */
const MAX_ATTACHMENT_BYTES = 5 * 1024 ** 3;

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

const varsSchema = z.object({
  JWT_REQUIRE_EXP: z
    .enum(["true", "false"], { message: "JWT_REQUIRE_EXP must be true or false" })
    .optional()
    .transform((v) => v !== "false"),
  MAX_OPEN_REQUESTS: limit("MAX_OPEN_REQUESTS", 10),
  CREATES_PER_HOUR: limit("CREATES_PER_HOUR", 30),
  ATTACHMENT_MAX_BYTES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return 10 * 1024 * 1024;
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n <= 0 || n > MAX_ATTACHMENT_BYTES) {
        ctx.addIssue({ code: "custom", message: `ATTACHMENT_MAX_BYTES must be a whole number of bytes from 1 to ${MAX_ATTACHMENT_BYTES}` });
        return z.NEVER;
      }
      return n;
    }),
  ATTACHMENT_TYPES: list(DEFAULT_ATTACHMENT_TYPES)
    .transform((types) => types.map((t) => t.toLowerCase()))
    .refine((types) => types.every((t) => MEDIA_TYPE.test(t)), "ATTACHMENT_TYPES must be comma-separated type/subtype values"),
  COUNSELOR_ROLES: list("professor,agent,counselor"),
  ADMIN_ROLES: list("admin"),
  CHAT_TTL_HOURS: positiveNumber("CHAT_TTL_HOURS", 36),
  ORPHAN_HOURS: positiveNumber("ORPHAN_HOURS", 60),
  PUSH_BATCH_SECONDS: positiveNumber("PUSH_BATCH_SECONDS", 60),
  TRANSCRIPT_TIMEZONE: z
    .string()
    .optional()
    .transform((v) => v || "Asia/Seoul")
    .refine(isTimeZone, "TRANSCRIPT_TIMEZONE must be an IANA time zone"),
  TRANSCRIPT_LOCALE: z
    .enum(["ko", "en"], { message: "TRANSCRIPT_LOCALE must be ko or en" })
    .optional()
    .transform((v) => v ?? "ko"),
  CHAT_ARCHIVE_BUCKET: z
    .string()
    .optional()
    .transform((v) => v || "consultation-chats"),
  S3_FORCE_PATH_STYLE: z
    .enum(["true", "false"], { message: "S3_FORCE_PATH_STYLE must be true or false" })
    .optional()
    .transform((v) => v !== "false"),
  ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((v) => {
      const origins = (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      return origins.length ? origins : null;
    }),
});

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * A group of variables that must be given together or not at all. Returns the group's
 * values, null when none is set, or records one problem per missing variable, by name.
 */
function group<K extends keyof ConfigVars>(env: ConfigVars, names: readonly K[], problems: string[]) {
  const values = names.map((n) => (env[n] as string | undefined)?.trim() || undefined);
  const given = values.filter((v) => v !== undefined).length;
  if (given === 0) return null;
  if (given < names.length) {
    const missing = names.filter((_, i) => values[i] === undefined);
    const present = names.filter((_, i) => values[i] !== undefined);
    for (const m of missing) problems.push(`${m} is missing (required together with ${present.join(", ")})`);
    return null;
  }
  return values as string[];
}

export function parseConfig(env: ConfigVars): Config {
  const problems: string[] = [];
  const vars = varsSchema.safeParse(env);
  if (!vars.success) {
    for (const issue of vars.error.issues) problems.push(`${issue.path.join(".")}: ${issue.message}`);
  }

  let jwks: Config["auth"]["jwks"] = null;
  if (env.JWT_JWKS?.trim()) {
    try {
      const parsed = JSON.parse(env.JWT_JWKS) as { keys?: unknown };
      if (!Array.isArray(parsed.keys)) throw new Error("no keys array");
      jwks = parsed as { keys: Record<string, unknown>[] };
    } catch (e) {
      problems.push(`JWT_JWKS is not a JSON Web Key Set (${(e as Error).message})`);
    }
  }
  const secret = env.JWT_SECRET?.trim() || null;
  const jwksUrl = env.JWT_JWKS_URL?.trim() || null;
  if (!secret && !env.JWT_JWKS?.trim() && !jwksUrl) {
    problems.push("JWT_SECRET is missing (or set JWT_JWKS / JWT_JWKS_URL)");
  }

  const upstash = group(env, ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"] as const, problems);
  const s3 = group(env, ["S3_ENDPOINT", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const, problems);
  const database = group(env, ["DATABASE_HOST", "DATABASE_USERNAME", "DATABASE_PASSWORD"] as const, problems);

  const vapidGroup = group(env, ["VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT"] as const, problems);
  let vapid: VapidKeys | null = null;
  if (vapidGroup) {
    vapid = { publicKey: vapidGroup[0]!, privateKey: vapidGroup[1]!, subject: vapidGroup[2]! };
    problems.push(...vapidKeysProblems(vapid));
  }
  const fcm = parseFcm(env, problems);
  const webhooks = parseWebhooks(env, problems);

  if (problems.length || !vars.success) throw new ConfigError(problems);
  const v = vars.data;
  return {
    auth: {
      secret,
      jwks,
      jwksUrl,
      issuer: env.JWT_ISSUER?.trim() || null,
      audience: env.JWT_AUDIENCE?.trim() || null,
    },
    roles: { counselor: v.COUNSELOR_ROLES, admin: v.ADMIN_ROLES },
    requireExp: v.JWT_REQUIRE_EXP,
    limits: { maxOpenRequests: v.MAX_OPEN_REQUESTS, createsPerHour: v.CREATES_PER_HOUR },
    allowedOrigins: v.ALLOWED_ORIGINS,
    chatTtlHours: v.CHAT_TTL_HOURS,
    orphanHours: v.ORPHAN_HOURS,
    transcript: { timezone: v.TRANSCRIPT_TIMEZONE, locale: v.TRANSCRIPT_LOCALE },
    archiveBucket: v.CHAT_ARCHIVE_BUCKET,
    upstash: upstash && { url: upstash[0]!, token: upstash[1]! },
    s3: s3 && {
      endpoint: s3[0]!,
      region: s3[1]!,
      accessKeyId: s3[2]!,
      secretAccessKey: s3[3]!,
      forcePathStyle: v.S3_FORCE_PATH_STYLE,
    },
    database: database && { host: database[0]!, username: database[1]!, password: database[2]! },
    devAuth: env.DEV_AUTH === "true",
    attachments: {
      maxBytes: v.ATTACHMENT_MAX_BYTES,
      types: v.ATTACHMENT_TYPES,
      signingSecret: env.ATTACHMENT_SIGNING_SECRET?.trim() || secret,
    },
    push: { vapid, fcm, batchSeconds: v.PUSH_BATCH_SECONDS },
    webhooks,
  };
}

/** FCM_SERVICE_ACCOUNT (JSON) turns FCM on; FCM_ENDPOINT alone is a half-given group. */
function parseFcm(env: ConfigVars, problems: string[]): Config["push"]["fcm"] {
  const text = env.FCM_SERVICE_ACCOUNT?.trim();
  const endpoint = env.FCM_ENDPOINT?.trim();
  if (!text) {
    if (endpoint) problems.push("FCM_SERVICE_ACCOUNT is missing (required together with FCM_ENDPOINT)");
    return null;
  }
  if (endpoint && !/^https?:\/\/[^/]/.test(endpoint)) problems.push("FCM_ENDPOINT must be an http(s) URL");
  try {
    return { account: parseServiceAccount(text), endpoint: (endpoint || DEFAULT_FCM_ENDPOINT).replace(/\/+$/, "") };
  } catch (e) {
    problems.push((e as Error).message);
    return null;
  }
}

/** WEBHOOK_URLS and WEBHOOK_SECRET come together: one without the other is a startup error naming the other. */
function parseWebhooks(env: ConfigVars, problems: string[]): Config["webhooks"] {
  const pair = group(env, ["WEBHOOK_URLS", "WEBHOOK_SECRET"] as const, problems);
  if (!pair) return null;
  try {
    const urls = parseWebhookUrls(pair[0]);
    const secret = parseWebhookSecret(pair[1]!);
    return urls.length ? { urls, secret } : null;
  } catch (e) {
    problems.push((e as Error).message);
    return null;
  }
}

const cache = new WeakMap<object, Config | ConfigError>();

/** Parses once per `env` object; a bad configuration throws the same ConfigError every time. */
export function getConfig(env: ConfigVars): Config {
  let entry = cache.get(env);
  if (!entry) {
    try {
      entry = parseConfig(env);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      entry = e;
    }
    cache.set(env, entry);
  }
  if (entry instanceof ConfigError) throw entry;
  return entry;
}
