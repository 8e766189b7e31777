/** The command line of `npm run bench` and its presets. */

export type PresetName = "smoke" | "seed" | "sweep" | "idle";
export type SystemName = "product" | "baseline" | "peer";
const SYSTEMS: SystemName[] = ["product", "baseline", "peer"];

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
  /** Rounds of every system one after another (not the sweep); ratios are taken within a round. */
  repeat: number;
  /** After the measured steps, one more step per system under the V8 CPU profiler. */
  profile: boolean;
  outDir: string;
  /** The idle preset: many quiet sockets, a trickle in a few rooms (see load.ts). */
  idle: IdlePlan | null;
}

export interface IdlePlan {
  /** Sockets wanted (the shape's rooms follow from it); clamped to the file limit by run.ts. */
  sockets: number;
  /** Rooms that carry the trickle of messages; the others stay silent until the final round. */
  activeRooms: number;
  /** Silence after the connects and first messages, so rooms hibernate before RSS is read. */
  settleSeconds: number;
}

interface Preset {
  shape: LoadShape;
  sweepRates: number[];
  /** The systems run when --systems is not given. */
  systems: SystemName[];
}

const PRESETS: Record<PresetName, Preset> = {
  // Run by `npm test`: the two Workers only, so the test command needs no peer.
  smoke: { shape: { rooms: 4, devices: 2, rate: 20, seconds: 8 }, sweepRates: [], systems: ["product", "baseline"] },
  // The seeds' own test: 100 concurrent users (50 rooms × 2), 50 msgs/s, 5 minutes.
  seed: { shape: { rooms: 50, devices: 1, rate: 50, seconds: 300 }, sweepRates: [], systems: SYSTEMS },
  sweep: {
    shape: { rooms: 10, devices: 2, rate: 25, seconds: 8 },
    sweepRates: [25, 50, 100, 150, 200, 300, 400, 500, 600, 800, 1000, 1200, 1600, 2000, 2400, 3200],
    systems: SYSTEMS,
  },
  // 10 devices per user is the product's cap per user and room (SPEC section 14); the rooms follow from --sockets.
  idle: { shape: { rooms: 250, devices: 10, rate: 4, seconds: 60 }, sweepRates: [], systems: SYSTEMS },
};

const IDLE_DEFAULTS: IdlePlan = { sockets: 5000, activeRooms: 4, settleSeconds: 20 };

/** A bad command line: printed without a stack trace. */
export class UsageError extends Error {}

const USAGE = `usage: npm run bench -- [--preset smoke|seed|sweep|idle] [--stack embedded|production]
  [--systems product,baseline,peer] [--rooms R] [--devices D] [--rate M] [--seconds T]
  [--rates 25,50,...] [--knee-p99 MS] [--repeat N] [--check] [--profile] [--baseline-extra-sql N] [--out DIR]
  idle only: [--sockets N] [--active-rooms K] [--settle S]`;

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
  const base = PRESETS[preset];
  const systems = args.has("--systems") ? (args.get("--systems")!.split(",") as SystemName[]) : base.systems;
  if (!systems.length || systems.some((s) => !SYSTEMS.includes(s)) || new Set(systems).size !== systems.length) {
    throw new UsageError(`--systems takes a list of ${SYSTEMS.join(", ")}\n${USAGE}`);
  }
  const num = (flag: string, fallback: number) => (args.has(flag) ? positive(flag, args.get(flag)) : fallback);
  const idleOnly = ["--sockets", "--active-rooms", "--settle"].filter((f) => args.has(f));
  if (preset !== "idle" && idleOnly.length) throw new UsageError(`${idleOnly.join(", ")} only apply to --preset idle\n${USAGE}`);
  const idle: IdlePlan | null =
    preset === "idle"
      ? {
          sockets: Math.ceil(num("--sockets", IDLE_DEFAULTS.sockets)),
          activeRooms: Math.ceil(num("--active-rooms", IDLE_DEFAULTS.activeRooms)),
          settleSeconds: num("--settle", IDLE_DEFAULTS.settleSeconds),
        }
      : null;
  const devices = Math.ceil(num("--devices", base.shape.devices));
  const shape: LoadShape = {
    // The idle preset spreads its sockets over as many rooms as they need (2 users × D devices each).
    rooms: idle ? Math.ceil(idle.sockets / (2 * devices)) : Math.ceil(num("--rooms", base.shape.rooms)),
    devices,
    rate: num("--rate", base.shape.rate),
    seconds: num("--seconds", base.shape.seconds),
  };
  const repeat = Math.floor(num("--repeat", 1));
  if (preset === "sweep" && repeat > 1) throw new UsageError(`--repeat is for one-rate presets (the sweep confirms each knee itself)\n${USAGE}`);
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
    repeat,
    profile: flags.has("--profile"),
    baselineExtraSql: args.has("--baseline-extra-sql") ? Math.floor(positive("--baseline-extra-sql", args.get("--baseline-extra-sql"))) : 0,
    outDir: args.get("--out") ?? "bench-results",
    idle,
  };
}

/**
 * More rooms when the rate would push one user past `maxUserRate` (each room has two
 * senders); returns the shape actually run.
 */
export function fitRooms(shape: LoadShape, maxUserRate: number): LoadShape {
  return { ...shape, rooms: Math.max(shape.rooms, Math.ceil(shape.rate / (2 * maxUserRate))) };
}
