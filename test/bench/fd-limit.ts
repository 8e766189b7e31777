import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** The open-files limit of this process (soft, hard), from /proc/self/limits. */
export function openFileLimit(): { soft: number; hard: number } {
  const line = readFileSync("/proc/self/limits", "utf8").match(/^Max open files\s+(\S+)\s+(\S+)/m);
  const num = (v: string | undefined) => (v === undefined ? 1024 : v === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(v));
  return { soft: num(line?.[1]), hard: num(line?.[2]) };
}

/**
 * Raises this process's soft open-files limit to its hard limit with util-linux
 * `prlimit` (Node has no setrlimit); servers started afterwards inherit it. Any failure
 * leaves the limit as it was: the caller clamps to what it gets.
 */
export function raiseOpenFileLimit(): { soft: number; hard: number } {
  const before = openFileLimit();
  if (before.soft >= before.hard) return before;
  try {
    execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${before.hard}:${before.hard}`], { stdio: "ignore" });
  } catch {
    // no prlimit, or not allowed
  }
  return openFileLimit();
}

/**
 * How many sockets the idle preset may open under a limit of `soft` files. Each socket
 * holds a descriptor in the load generator and at least one in the server (two when a
 * proxy sits in front, as in `wrangler dev`), and every process shares the same limit;
 * the reserve covers the files, pipes and listeners around them.
 */
export function socketsWithin(soft: number, reserve = 512): number {
  return Math.max(0, Math.floor((soft - reserve) / 2));
}
