import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

const testEnv = env;
await applyD1Migrations(testEnv.DB, testEnv.TEST_MIGRATIONS);
