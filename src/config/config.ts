import { z } from "zod";
import { ConfigError } from "../domain/errors";

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
  "COUNSELOR_ROLES", "ADMIN_ROLES",
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

const varsSchema = z.object({
  COUNSELOR_ROLES: list("professor,agent,counselor"),
  ADMIN_ROLES: list("admin"),
  CHAT_TTL_HOURS: positiveNumber("CHAT_TTL_HOURS", 36),
  ORPHAN_HOURS: positiveNumber("ORPHAN_HOURS", 60),
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
  };
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
