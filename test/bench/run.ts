import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { analyze, integrityProblems, type StepFigures } from "./analyze";
import { runCleanup } from "./cleanup";
import { runStep } from "./load";
import { fitRooms, parseOptions, UsageError, type Options, type SystemName } from "./options";
import { roundsTable, stepTable, sweepChart, sweepTable, type Knee } from "./report";
import { prepareStack, StackUnavailable, type Stack } from "./stacks";
import { alone } from "./alone";
import { baselineTarget, peerTarget, productTarget, type Target } from "./targets";
import { cpuSeconds } from "./proc-stats";
import { raiseOpenFileLimit, socketsWithin } from "./fd-limit";
import { startPeer } from "./peer/start";
import { summarizeAllocations } from "./heap-profile";
import { startProfiler, summarize } from "./profiler";
import { snapshotBaseline, snapshotProduct } from "./snapshot";
import { startWranglerDev } from "./wrangler-server";

const repo = fileURLToPath(new URL("../..", import.meta.url));

async function startTargets(opts: Options, stack: Stack, secret: string): Promise<Target[]> {
  const starts = opts.systems.map(async (system: SystemName) => {
    if (system === "peer") return peerTarget(await startPeer(secret), secret);
    if (system === "baseline") {
      const vars: Record<string, string> = opts.baselineExtraSql ? { EXTRA_SQL: String(opts.baselineExtraSql) } : {};
      const server = await startWranglerDev({ name: system, configPath: snapshotBaseline(repo), vars });
      return baselineTarget(server, secret);
    }
    const server = await startWranglerDev({ name: system, configPath: snapshotProduct(repo), vars: stack.vars, d1Migrations: "DB" });
    return productTarget(server, secret);
  });
  const targets = await Promise.all(starts);
  // One set of services for every system: each step counts what they burned meanwhile.
  for (const t of targets) t.services.pids = stack.pids;
  return targets;
}

/** How much CPU each idle system burns (timers, the dev proxy, redis's cron), measured side by side. */
async function measureIdle(targets: Target[], seconds = 3) {
  // Not the start-up itself (the peer's node compiles its modules in its first second).
  await new Promise((r) => setTimeout(r, 2000));
  const before = targets.map((t) => [cpuSeconds(t.pids()), cpuSeconds(t.services.pids())] as const);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  targets.forEach((t, i) => {
    t.idleCpuPerSecond = (cpuSeconds(t.pids()) - before[i]![0]) / seconds;
    t.services.idleCpuPerSecond = (cpuSeconds(t.services.pids()) - before[i]![1]) / seconds;
  });
}

/**
 * The idle preset opens as many sockets as the open-files limit allows, at most the
 * number asked for: the soft limit is raised to the hard one first (before any server
 * starts, so they inherit it), and the rooms follow from the sockets kept.
 */
function fitIdleToFileLimit(opts: Options) {
  if (!opts.idle) return;
  const limit = raiseOpenFileLimit();
  const most = socketsWithin(limit.soft);
  if (opts.idle.sockets > most) {
    log(`open-files limit ${limit.soft} (hard ${limit.hard}): ${most} sockets instead of ${opts.idle.sockets}`);
    opts.idle.sockets = most;
  }
  opts.shape.rooms = Math.max(1, Math.ceil(opts.idle.sockets / (2 * opts.shape.devices)));
  opts.idle.activeRooms = Math.min(opts.idle.activeRooms, opts.shape.rooms);
  if (opts.shape.rate / (2 * opts.idle.activeRooms) > opts.maxUserRate) {
    throw new UsageError(`--rate ${opts.shape.rate} over ${opts.idle.activeRooms} active rooms puts a user over ${opts.maxUserRate} msg/s`);
  }
}

function log(line: string) {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

/** Every system of this run (a step runs with the others stopped, see alone.ts). */
let allSystems: readonly Target[] = [];

/**
 * `freshRooms`: the step gets rooms no earlier step used (each `--repeat` round, the
 * profiled step), so its first messages start consultations; otherwise the sweep's steps
 * reuse the rooms made so far.
 */
async function step(target: Target, opts: Options, rate: number, freshRooms = false): Promise<StepFigures> {
  const shape = fitRooms({ ...opts.shape, rate }, opts.maxUserRate);
  if (shape.rooms > opts.shape.rooms) log(`${rate} msg/s needs ${shape.rooms} rooms to keep each user ≤ ${opts.maxUserRate} msg/s`);
  log(`${target.system}: ${shape.rooms} rooms × 2 users × ${shape.devices} devices, ${rate} msg/s for ${shape.seconds} s`);
  const figures = analyze(target.system, await alone(target, allSystems, () => runStep(target, shape, opts.drainMs, opts.idle, freshRooms ? target.rooms.length : 0)));
  log(`${target.system}: achieved ${figures.achievedRate} msg/s, p50 ${figures.latencyMs.p50} ms, p99 ${figures.latencyMs.p99} ms, lost ${figures.lost}`);
  if (figures.idle) log(`${target.system}: ${figures.idle.sockets} idle sockets, ${figures.idle.rssPerSocketKiB} KiB RSS per socket`);
  return figures;
}

/**
 * One extra step per system under the CPU profiler, not counted in the figures: the
 * profiler slows the isolate, and workerd's native time between events is sampled too,
 * so only the shares are worth reading: the top functions by inclusive and self time.
 */
async function profileSteps(targets: Target[], opts: Options, base: string): Promise<string> {
  const out: string[] = [];
  for (const target of targets) {
    const profiler = await startProfiler(target.inspectorPort);
    // Rooms of its own, like a measured round: the profile shows what a measured step does.
    const f = await step(target, opts, opts.shape.rate, true);
    const { cpu: profile, heap } = await profiler.stop();
    writeFileSync(`${base}-${target.system}.cpuprofile`, JSON.stringify(profile));
    writeFileSync(`${base}-${target.system}.heapprofile`, JSON.stringify(heap));
    const s = summarize(profile);
    const a = summarizeAllocations(heap, s.inclusive.length);
    out.push(
      `#### CPU profile: ${target.system} (${f.acked} messages; shares of the isolate's busy samples)`,
      "",
      "| inclusive | share | self | share |",
      "|---|---:|---|---:|",
      ...s.inclusive.map((r, i) => `| ${r.fn} | ${r.share}% | ${s.self[i]?.fn ?? ""} | ${s.self[i] ? `${s.self[i].share}%` : ""} |`),
      "",
      // The whole profiled step, its rooms' setup included: compare systems, not absolute sizes.
      `Allocated (sampled): ${a.totalMiB} MiB, ${Math.round((a.totalMiB * 1024) / Math.max(1, f.acked))} KiB per message; by own allocations:`,
      "",
      "| function | MiB | share |",
      "|---|---:|---:|",
      ...a.self.map((r) => `| ${r.fn} | ${r.mib} | ${r.share}% |`),
      "",
    );
  }
  return out.join("\n");
}

/** Rising rates, the systems taking turns at each rate, until each one's knee. */
async function sweep(targets: Target[], opts: Options) {
  const steps: StepFigures[] = [];
  const knees = new Map<SystemName, Knee>(targets.map((t) => [t.system, { system: t.system, lastGood: null, firstBad: null }]));
  // One step per system at the first rate first, not counted: the first load a fresh server
  // sees runs cold (JIT, new objects), and a knee must not be decided by that.
  for (const target of targets) {
    log(`${target.system}: warm-up step (not counted)`);
    await step(target, opts, opts.sweepRates[0]!);
  }
  for (const rate of opts.sweepRates) {
    const running = targets.filter((t) => knees.get(t.system)!.firstBad === null);
    if (!running.length) break;
    for (const target of running) {
      let f = await step(target, opts, rate);
      // These machines are shared and noisy: a p99 over the line is confirmed by a second
      // try at the same rate before it counts as the knee (the better try is kept). A
      // lost, repeated or misordered message needs no confirmation.
      const overP99 = (x: StepFigures) => x.latencyMs.p99 > opts.kneeP99Ms;
      if (overP99(f) && !integrityProblems(f).length) {
        log(`${target.system}: p99 over ${opts.kneeP99Ms} ms at ${rate} msg/s; trying once more`);
        const again = await step(target, opts, rate);
        f = { ...(again.latencyMs.p99 < f.latencyMs.p99 ? again : f), retried: true };
      }
      steps.push(f);
      const knee = knees.get(target.system)!;
      if (overP99(f) || integrityProblems(f).length) knee.firstBad = rate;
      else knee.lastGood = rate;
    }
  }
  return { steps, knees: [...knees.values()] };
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  fitIdleToFileLimit(opts);
  const secret = randomBytes(32).toString("hex");
  const stack = await prepareStack(opts.stack, secret);
  log(`starting ${opts.systems.join(", ")} (stack ${stack.name})`);
  const targets = await startTargets(opts, stack, secret);
  allSystems = targets;
  await measureIdle(targets);
  log(`idle server CPU: ${targets.map((t) => `${t.system} ${(t.idleCpuPerSecond * 1000).toFixed(1)} ms/s`).join(", ")}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  mkdirSync(opts.outDir, { recursive: true });
  const base = join(opts.outDir, `${opts.preset}-${stack.name}-${stamp}`);
  const meta = { preset: opts.preset, stack: stack.name, startedAt: new Date().toISOString(), options: opts };

  let steps: StepFigures[];
  let markdown: string;
  if (opts.preset === "sweep") {
    const result = await sweep(targets, opts);
    steps = result.steps;
    const chart = sweepChart(steps, `send→delivery latency vs offered rate (${stack.name})`, opts.kneeP99Ms);
    writeFileSync(`${base}.svg`, chart);
    markdown = `${sweepTable(steps, result.knees)}\n\nchart: ${base}.svg`;
    writeFileSync(`${base}.json`, JSON.stringify({ ...meta, knees: result.knees, steps }, null, 2));
  } else {
    const rounds: StepFigures[][] = [];
    for (let r = 0; r < opts.repeat; r++) {
      if (opts.repeat > 1) log(`round ${r + 1} of ${opts.repeat}`);
      // Each round has new rooms (its first messages start consultations, as in round 1)
      // and starts with another system, so none is always the one after a cold start.
      const order = targets.map((_, i) => targets[(i + r) % targets.length]!);
      const round = new Map<Target, StepFigures>();
      for (const target of order) round.set(target, await step(target, opts, opts.shape.rate, true));
      rounds.push(targets.map((t) => round.get(t)!));
    }
    steps = rounds.flat();
    markdown = rounds.map((round, r) => (opts.repeat > 1 ? `#### round ${r + 1}\n\n` : "") + stepTable(round)).join("\n\n");
    if (opts.repeat > 1) markdown += `\n\n#### over the ${opts.repeat} rounds\n\n${roundsTable(rounds)}`;
    writeFileSync(`${base}.json`, JSON.stringify({ ...meta, steps, rounds: opts.repeat }, null, 2));
  }
  if (opts.profile) markdown += `\n\n${await profileSteps(targets, opts, base)}`;
  console.log(`\n### bench ${opts.preset} (${stack.name}), ${meta.startedAt}\n\n${markdown}\n\nresults: ${base}.json`);

  // Every step, the sweep's overloaded ones too: overload may make messages late, never lost.
  const problems = steps.flatMap(integrityProblems);
  if (problems.length) {
    console.error(`\nintegrity problems:\n- ${problems.join("\n- ")}`);
    // The servers' own words, for finding out why.
    for (const t of targets) writeFileSync(`${base}-${t.system}.log`, t.output());
    console.error(`server output: ${base}-<system>.log`);
  }
  return opts.check && problems.length ? 1 : 0;
}

main()
  .then(async (code) => {
    await runCleanup();
    process.exit(code);
  })
  .catch(async (e) => {
    // Not a failure of the systems under test: say what is missing, exit 2.
    const setup = e instanceof StackUnavailable || e instanceof UsageError;
    console.error(setup ? e.message : e);
    await runCleanup();
    process.exit(setup ? 2 : 1);
  });
