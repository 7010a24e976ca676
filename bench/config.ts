// The benchmark's settings: sizes, repetitions, backends and output, from
// command-line flags (`--events=1000`) or environment variables
// (`BENCH_EVENTS=1000`), flags first. `--scale=0.01` shrinks every size.

/** The backends a run may measure. */
export type BackendName = "memory" | "sqlite" | "postgres";

/** Everything one benchmark run needs to know. */
export interface BenchConfig {
  /** Events written by workloads 1, 2 and 3. */
  events: number;
  /** Events per call in workload 2. */
  batch: number;
  /** Concurrent loggers in workload 3. */
  loggers: number;
  /** LLM calls written by workload 4. */
  usage: number;
  /** Characters of each prompt and response in workload 4. */
  textBytes: number;
  /** Events of the one run iterated by workload 5. */
  scanEvents: number;
  /** Runs of workloads 6 and 7. */
  runs: number;
  /** Agents those runs belong to. */
  agents: number;
  /** LLM calls aggregated by workload 6. */
  statsUsage: number;
  /** Rows of the deep page of workload 7 (the hot agent has more runs). */
  deep: number;
  /** Rows per page in workload 7. */
  page: number;
  /** LLM calls logged one at a time by workload 8, priced and not. */
  pricedUsage: number;
  /** LLM calls whose costs workload 8 recomputes. */
  repriceUsage: number;
  /** Timed repetitions of every measurement; the median is reported. */
  repeat: number;
  backends: BackendName[];
  /** The numbers of the workloads to run; default all. */
  workloads: number[] | undefined;
  /** Where results.json is written; empty for nowhere. */
  out: string;
}

const DEFAULTS: Omit<BenchConfig, "backends" | "workloads" | "out"> = {
  events: 100_000,
  batch: 1_000,
  loggers: 100,
  usage: 20_000,
  textBytes: 2_048,
  scanEvents: 1_000_000,
  runs: 10_000,
  agents: 1_000,
  statsUsage: 1_000_000,
  deep: 5_000,
  page: 100,
  pricedUsage: 20_000,
  repriceUsage: 1_000_000,
  repeat: 5,
};

/** Sizes that `--scale` leaves alone: they shape a workload, not its size. */
const UNSCALED = new Set(["batch", "loggers", "textBytes", "repeat"]);

const BACKENDS: readonly BackendName[] = ["memory", "sqlite", "postgres"];

/** Reads the settings from `args` (flags) and `env`. */
export function benchConfig(
  args: readonly string[],
  env: Record<string, string | undefined>,
): BenchConfig {
  const flags = new Map<string, string>();
  for (const arg of args) {
    const match = /^--([a-zA-Z]+)=(.*)$/.exec(arg);
    if (!match) throw new TypeError(`Unknown argument: ${arg}`);
    flags.set(match[1]!, match[2]!);
  }
  const setting = (name: string) =>
    flags.get(name) ?? env[`BENCH_${snake(name)}`];
  const scale = Number(setting("scale") ?? 1);
  if (!(scale > 0)) throw new RangeError(`Invalid scale: ${setting("scale")}`);
  const sizes = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    const given = setting(key);
    const value = given === undefined
      ? UNSCALED.has(key) ? sizes[key] : Math.ceil(sizes[key] * scale)
      : Number(given);
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`Invalid ${key}: expected a whole number from 1`);
    }
    sizes[key] = value;
  }
  sizes.batch = Math.min(sizes.batch, sizes.events);
  sizes.loggers = Math.min(sizes.loggers, sizes.events);
  sizes.agents = Math.min(sizes.agents, sizes.runs);
  const backends = (setting("backends") ?? BACKENDS.join(","))
    .split(",").map((b) => b.trim()).filter((b) => b !== "");
  for (const backend of backends) {
    if (!BACKENDS.includes(backend as BackendName)) {
      throw new RangeError(
        `Unknown backend: ${backend}; expected ${BACKENDS.join(", ")}`,
      );
    }
  }
  const workloads = setting("workloads")?.split(",").map((id) => {
    const n = Number(id.trim());
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new RangeError(`Invalid workload: ${id}`);
    }
    return n;
  });
  return {
    ...sizes,
    backends: backends as BackendName[],
    workloads,
    out: setting("out") ?? "bench/results.json",
  };
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}
