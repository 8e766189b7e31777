import { readdirSync, readFileSync } from "node:fs";

/**
 * Resident memory and CPU time of a system's processes, from /proc (Linux): the workerd
 * processes below a `wrangler dev`, or the peer's node process and its redis-server.
 */

interface ProcInfo {
  ppid: number;
  comm: string;
}

/** Linux's USER_HZ: /proc times are in these ticks on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

function processTable(): Map<number, ProcInfo> {
  const table = new Map<number, ProcInfo>();
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return table;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      table.set(Number(entry), { ppid: Number(stat.slice(close + 2).split(" ")[1]), comm: stat.slice(stat.indexOf("(") + 1, close) });
    } catch {
      // the process ended while we looked
    }
  }
  return table;
}

function processRss(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every process below `rootPid` (not itself), from one read of the process table. */
function below(rootPid: number, table: Map<number, ProcInfo>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found: number[] = [];
  const stack = [...(children.get(rootPid) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    found.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** The pids of every process named `comm` below `rootPid`. */
export function descendantPids(rootPid: number, comm: string): number[] {
  const table = processTable();
  return below(rootPid, table).filter((pid) => table.get(pid)?.comm === comm);
}

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** `rootPid` and every process below it, whatever its name (the production stack's services). */
export function processTreePids(rootPid: number): number[] {
  const table = processTable();
  return table.has(rootPid) ? [rootPid, ...below(rootPid, table)] : [];
}

/** The pids of every `workerd` process below `rootPid` (a `wrangler dev`). */
export const workerdPids = (rootPid: number) => descendantPids(rootPid, "workerd");

/** The command line of a process, its arguments joined by spaces ("" once it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

/** CPU seconds (user + system) of `pids`, summed. */
export function cpuSeconds(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + cpuTicks(pid), 0) / TICKS_PER_SECOND;
}

/** Resident memory of `pids` now, summed, in bytes. */
export function rssBytes(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + processRss(pid), 0);
}

/**
 * Samples the summed RSS of `pids` every `everyMs` until stopped and returns the peak in
 * bytes. The pids are found once by the caller: neither workerd nor the peer forks during
 * a run, and reading all of /proc four times a second would load the client.
 */
export function sampleMemory(pids: number[], everyMs = 250) {
  let peak = rssBytes(pids);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pids));
  }, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pids));
    },
  };
}

/** CPU seconds spent by `pids` and by this client process from now to `stop()`. */
export function measureCpu(pids: number[]) {
  const server = cpuSeconds(pids);
  const client = process.cpuUsage();
  return {
    stop() {
      const used = process.cpuUsage(client);
      return { server: cpuSeconds(pids) - server, client: (used.user + used.system) / 1e6 };
    },
  };
}
