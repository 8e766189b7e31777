import { readdirSync, readFileSync } from "node:fs";

/** Resident memory and CPU time of the workerd processes below a pid, from /proc (Linux). */

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

function rssBytes(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pids of every `workerd` process below `rootPid`. */
function workerdPids(rootPid: number): number[] {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found: number[] = [];
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    if (table.get(pid)?.comm === "workerd") found.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return found;
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

/** workerd CPU seconds below `rootPid`, summed. */
export function workerdCpuSeconds(rootPid: number): number {
  return workerdPids(rootPid).reduce((sum, pid) => sum + cpuTicks(pid), 0) / TICKS_PER_SECOND;
}

/**
 * Samples the summed RSS of workerd below `rootPid` every `everyMs` until stopped and
 * returns the peak in bytes. The process tree is walked once: workerd does not fork
 * during a run, and reading all of /proc four times a second would load the client.
 */
export function sampleMemory(rootPid: number, everyMs = 250) {
  const pids = workerdPids(rootPid);
  const rss = () => pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
  let peak = rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, rss());
  }, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, rss());
    },
  };
}

/** CPU seconds spent by workerd (below `rootPid`) and by this client process from now to `stop()`. */
export function measureCpu(rootPid: number) {
  const server = workerdCpuSeconds(rootPid);
  const client = process.cpuUsage();
  return {
    stop() {
      const used = process.cpuUsage(client);
      return { server: workerdCpuSeconds(rootPid) - server, client: (used.user + used.system) / 1e6 };
    },
  };
}
