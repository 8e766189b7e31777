/**
 * `npm run dev [-- wrangler dev arguments]`: the local product on the embedded defaults.
 * Creates .dev.vars on first run, applies the D1 migrations to the same local state that
 * `wrangler dev` will use (`--persist-to` is passed to both), builds the browser app when
 * the project has one, then runs `wrangler dev` with every argument passed through.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { devVarsPath, ensureDevVars, ensureVapidKeys, root } from "./dev-vars";

const args = process.argv.slice(2);
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
const wrangler = `${root}/node_modules/.bin/wrangler`;

/** `--persist-to DIR` or `--persist-to=DIR`, as wrangler dev accepts it. */
function persistArgs(argv: string[]): string[] {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--persist-to" && argv[i + 1]) return ["--persist-to", argv[i + 1]!];
    if (a.startsWith("--persist-to=")) return [a];
  }
  return [];
}

function run(command: string, commandArgs: string[]): void {
  const result = spawnSync(command, commandArgs, { cwd: root, env, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`dev: \`${[command, ...commandArgs].join(" ")}\` failed`);
    process.exit(result.status ?? 1);
  }
}

if (ensureDevVars()) {
  console.log(`dev: created ${devVarsPath} from .dev.vars.example with a fresh random JWT_SECRET (and DEV_AUTH=true for the demo sign-in).`);
}

if (await ensureVapidKeys()) console.log(`dev: added a local VAPID key pair (Web Push) to ${devVarsPath}.`);

run(wrangler, ["d1", "migrations", "apply", "DB", "--local", ...persistArgs(args)]);

const scripts = (JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};
if (scripts["build:web"]) run("npm", ["run", "-s", "build:web"]);

const child = spawn(wrangler, ["dev", ...args], { cwd: root, env, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
