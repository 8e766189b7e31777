import { defineConfig } from "drizzle-kit";

/**
 * drizzle-kit for the PlanetScale (MySQL) schema: `npm run db:generate:mysql` writes a new
 * migration under migrations/mysql after src/stores/consultation-repository/mysql-schema.ts
 * changes; `npm run db:migrate:mysql` applies them (scripts/db-migrate-mysql.ts).
 */
export default defineConfig({
  dialect: "mysql",
  schema: "./src/stores/consultation-repository/mysql-schema.ts",
  out: "./migrations/mysql",
});
