/**
 * `npm run dev:stack [-- wrangler dev arguments]`: the whole product on the production
 * adapters, locally. Starts redis-server + the Upstash gateway, MariaDB + the PlanetScale
 * gateway (with migrations/mysql applied) and s3rver, then runs `npm run dev`
 * (scripts/dev.ts: .dev.vars, web build, `wrangler dev`) with the variables that select
 * Upstash, PlanetScale and S3. Ctrl-C stops wrangler and every service.
 */
import { spawn } from "node:child_process";
import { startStack, wranglerVarArgs } from "../test/services/stack";
import { root } from "./dev-vars";

const stack = await startStack();
const { info } = stack;
console.log(
  [
    "dev:stack: production stack is up",
    `  Upstash REST  ${info.upstash.url}  (token ${info.upstash.token})`,
    `  PlanetScale   ${info.database.host}  (user ${info.database.username})`,
    `  S3            ${info.s3.endpoint}  bucket ${info.s3.bucket}`,
    `  control       POST ${info.control}/{upstash|planetscale|redis}/{down|up}`,
  ].join("\n"),
);

const child = spawn(`${root}/node_modules/.bin/tsx`, ["scripts/dev.ts", ...wranglerVarArgs(info.vars), ...process.argv.slice(2)], {
  cwd: root,
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => {
  stack.stop().then(
    () => process.exit(code ?? (signal ? 1 : 0)),
    (e: unknown) => {
      console.error("dev:stack: stopping the services failed:", e);
      process.exit(1);
    },
  );
});
