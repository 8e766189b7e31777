import { drizzle } from "drizzle-orm/planetscale-serverless";
import { migrate } from "drizzle-orm/planetscale-serverless/migrator";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createPlanetscaleClient, type DatabaseConfig } from "../src/stores/consultation-repository/planetscale";

const MIGRATIONS = fileURLToPath(new URL("../migrations/mysql", import.meta.url));

/**
 * Applies migrations/mysql to a PlanetScale database through the same HTTP client the
 * Worker uses (drizzle's migrator records what it applied in `__drizzle_migrations`, so
 * running it again is a no-op). Works against PlanetScale and the local gateway alike.
 */
export async function migrateMysql(database: DatabaseConfig): Promise<void> {
  await migrate(drizzle({ client: createPlanetscaleClient(database) }), { migrationsFolder: MIGRATIONS });
}

/** `npm run db:migrate:mysql`: DATABASE_HOST, DATABASE_USERNAME, DATABASE_PASSWORD from the environment. */
async function main(): Promise<void> {
  const names = ["DATABASE_HOST", "DATABASE_USERNAME", "DATABASE_PASSWORD"] as const;
  const missing = names.filter((n) => !process.env[n]?.trim());
  if (missing.length) {
    console.error(`db:migrate:mysql: set ${missing.join(", ")} (the PlanetScale connection)`);
    process.exit(2);
  }
  const [host, username, password] = names.map((n) => process.env[n]!.trim()) as [string, string, string];
  await migrateMysql({ host, username, password });
  console.log(`db:migrate:mysql: ${host} is up to date`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    // drizzle wraps the driver's error (e.g. "invalid username or password") as its cause.
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
    console.error("db:migrate:mysql failed:", cause instanceof Error ? cause.message : cause);
    process.exit(1);
  });
}
