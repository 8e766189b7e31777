import { defineConfig } from "drizzle-kit";

/**
 * drizzle-kit for the D1 (SQLite) schema: after src/stores/consultation-repository/d1-schema.ts
 * changes, `npm run db:generate:d1` writes the next migration under migrations/d1 (the
 * snapshot in migrations/d1/meta matches 0001_consultations.sql). Timestamp prefixes sort
 * after the hand-written 0001_ file, which wrangler applies in file-name order.
 */
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/stores/consultation-repository/d1-schema.ts",
  out: "./migrations/d1",
  migrations: { prefix: "timestamp" },
});
