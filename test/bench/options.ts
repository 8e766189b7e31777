/** The command line of `npm run bench` and its presets. */

export type PresetName = "smoke" | "seed" | "sweep";
export type SystemName = "product" | "baseline";

/** One load step: R rooms, 2 participants × D devices each, M msgs/s offered for T seconds. */
export interface LoadShape {
  rooms: number;
  devices: number;
  rate: number;
  seconds: number;
}

export interface Options {
  preset: PresetName;
  stack: "embedded" | "production";
  systems: SystemName[];
  /** Fixed shape (smoke, seed) or the first shape of a sweep. */
  shape: LoadShape;
  /** Sweep only: offered rates tried in turn until a system's knee. */
  sweepRates: number[];
  /** The knee: the first step whose p99 passes this, or that loses a message. */
  kneeP99Ms: number;
  /** Per user and room: below the product's limit of 10 msgs/s sustained. */
  maxUserRate: number;
  drainMs: number;
  check: boolean;
  /** Extra one-row SELECTs per message in the baseline (a variant that prices SQLite statements). */
  baselineExtraSql: number;
  /** After the measured steps, one more step per system under the V8 CPU profiler. */
  profile: boolean;
  outDir: string;
}

const PRESETS: Record<PresetName, Pick<Options, "shape" | "sweepRates">> = {
  smoke: { shape: { rooms: 4, devices: 2, rate: 20, seconds: 8 }, sweepRates: [] },
  // The seeds' own test: 100 concurrent users (50 rooms × 2), 50 msgs/s, 5 minutes.
  seed: { shape: { rooms: 50, devices: 1, rate: 50, seconds: 300 }, sweepRates: [] },
  sweep: { shape: { rooms: 10, devices: 2, rate: 25, seconds: 8 }, sweepRates: [25, 50, 100, 150, 200, 300, 400, 500, 600, 800, 1000, 1200, 1600] },
};

/** A bad command line: printed without a stack trace. */
export class UsageError extends Error {}

const USAGE = `usage: npm run bench -- [--preset smoke|seed|sweep] [--stack embedded|production]
  [--systems product,baseline] [--rooms R] [--devices D] [--rate M] [--seconds T]
  [--rates 25,50,...] [--knee-p99 MS] [--check] [--profile] [--baseline-extra-sql N] [--out DIR]`;

function positive(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} needs a positive number, got ${v}\n${USAGE}`);
  return n;
}

export function parseOptions(argv: string[]): Options {
  const args = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new UsageError(`unexpected argument ${a}\n${USAGE}`);
    if (a === "--check" || a === "--profile" || a === "--help") flags.add(a);
    else args.set(a, argv[++i] ?? "");
  }
  if (flags.has("--help")) {
    console.log(USAGE);
    process.exit(0);
  }
  const preset = (args.get("--preset") ?? "smoke") as PresetName;
  if (!Object.hasOwn(PRESETS, preset)) throw new UsageError(`unknown preset ${preset}\n${USAGE}`);
  const stack = args.get("--stack") ?? "embedded";
  if (stack !== "embedded" && stack !== "production") throw new UsageError(`unknown stack ${stack}\n${USAGE}`);
  const systems = (args.get("--systems") ?? "product,baseline").split(",") as SystemName[];
  if (!systems.length || systems.some((s) => s !== "product" && s !== "baseline")) {
    throw new UsageError(`--systems takes product and/or baseline\n${USAGE}`);
  }
  const base = PRESETS[preset];
  const num = (flag: string, fallback: number) => (args.has(flag) ? positive(flag, args.get(flag)) : fallback);
  const shape: LoadShape = {
    rooms: Math.ceil(num("--rooms", base.shape.rooms)),
    devices: Math.ceil(num("--devices", base.shape.devices)),
    rate: num("--rate", base.shape.rate),
    seconds: num("--seconds", base.shape.seconds),
  };
  const sweepRates = args.has("--rates")
    ? args.get("--rates")!.split(",").map((r) => positive("--rates", r))
    : base.sweepRates;
  return {
    preset,
    stack,
    systems,
    shape,
    sweepRates,
    kneeP99Ms: num("--knee-p99", 100),
    maxUserRate: 8,
    drainMs: 20_000,
    check: flags.has("--check"),
    profile: flags.has("--profile"),
    baselineExtraSql: args.has("--baseline-extra-sql") ? Math.floor(positive("--baseline-extra-sql", args.get("--baseline-extra-sql"))) : 0,
    outDir: args.get("--out") ?? "bench-results",
  };
}

/**
 * More rooms when the rate would push one user past `maxUserRate` (each room has two
 * senders); returns the shape actually run.
 */
export function fitRooms(shape: LoadShape, maxUserRate: number): LoadShape {
  return { ...shape, rooms: Math.max(shape.rooms, Math.ceil(shape.rate / (2 * maxUserRate))) };
}
