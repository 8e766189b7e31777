/** Reading and creating `.dev.vars`, the local secrets file of `wrangler dev`. */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(fileURLToPath(import.meta.url), "../..");
export const devVarsPath = `${root}/.dev.vars`;
const examplePath = `${root}/.dev.vars.example`;

/** KEY=VALUE lines (optionally quoted); comments and blank lines ignored. */
export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const value = m[2]!;
    const quoted = /^(["'])(.*)\1$/.exec(value);
    vars[m[1]!] = quoted ? quoted[2]! : value;
  }
  return vars;
}

export function readDevVars(): Record<string, string> | null {
  return existsSync(devVarsPath) ? parseDevVars(readFileSync(devVarsPath, "utf8")) : null;
}

/**
 * Creates .dev.vars from the example with a fresh random JWT_SECRET and the demo sign-in
 * on (a local file only). Returns false when .dev.vars already exists (left untouched).
 */
export function ensureDevVars(): boolean {
  if (existsSync(devVarsPath)) return false;
  const secret = randomBytes(32).toString("base64url");
  const lines = readFileSync(examplePath, "utf8")
    .split("\n")
    .map((line) => {
      if (/^JWT_SECRET=/.test(line)) return `JWT_SECRET=${secret}`;
      if (/^DEV_AUTH=/.test(line)) return "DEV_AUTH=true";
      return line;
    });
  writeFileSync(devVarsPath, lines.join("\n"), { mode: 0o600 });
  return true;
}
