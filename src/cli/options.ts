import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CommonOptions } from '../api/options.js';
import { loadConfig } from '../config/load.js';
import { REPORTER_NAMES } from '../config/schema.js';
import type { ResolvedConfig } from '../config/types.js';

/** Flags shared by run, compare, ci and drift (SPEC §5). */
export interface CommonFlags {
  config?: string;
  model?: string[];
  repeat?: number;
  concurrency?: number;
  cache: boolean;
  reporter?: string[];
  out?: string;
  filter?: string;
  shard?: string;
  debug?: boolean;
  record?: boolean;
  resume?: string;
  /** compare / ci: `--baseline-cache` (true) or `--no-baseline-cache` (false); undefined: the config's `gate.baselineCache`. */
  baselineCache?: boolean;
  /** compare / ci: `--adaptive` (true) or `--no-adaptive` (false); undefined: the config's `adaptive`. */
  adaptive?: boolean;
  /** `--max-cost <usd>` */
  maxCost?: number;
  /** `--allow-over-estimate` */
  allowOverEstimate?: boolean;
}

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1`);
  return n;
};
/** `--max-cost <usd>`: a positive number of US dollars. */
const positiveUsd = (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('--max-cost must be a positive number of US dollars, e.g. 5 or 0.50');
  return n;
};
const collect = <T>(parse: (v: string) => T) => (value: string, previous: T[] | undefined) => [...(previous ?? []), parse(value)];

/** `--reporter <name|module>`, repeatable (run, compare, merge, report): a built-in name, or a module path / package name resolved from the project root. */
export function addReporterOption(command: Command, defaultText: string): Command {
  return command.option('--reporter <name>', `report format (repeatable): ${REPORTER_NAMES.join(', ')}, or a reporter module (./path or package) (default: ${defaultText})`, collect(String));
}

export function addRunFlags(command: Command): Command {
  command
    .option('-c, --config <file>', 'config file (default: eval.config.ts|.mts|.js|.mjs in the current folder)')
    .option('-m, --model <name>', 'run on this model (repeatable); overrides suites and prompts', collect(String))
    .option('-r, --repeat <n>', 'calls per case and model', positiveInt('--repeat'))
    .option('-j, --concurrency <n>', 'requests in flight at most', positiveInt('--concurrency'))
    .option('--no-cache', 'neither read nor write the response cache');
  return addReporterOption(command, "the config's `reporters`")
    .option('-o, --out <dir>', 'folder for run folders (default: reports/)')
    .option('-f, --filter <text>', 'only cases whose id, description, tags or suite contain this text')
    .option('--shard <i/n>', 'run the i-th of n deterministic slices of the cases (by case id hash)')
    .option('--record', 'write successful responses as replay fixtures')
    .option('--resume <run folder>', 'finish an interrupted run: make only the calls that are missing')
    .option('--max-cost <usd>', 'a cost budget in US dollars: refuse to start when the estimate is above it (exit 2), stop new calls before spending more (default: config budget.maxCostUsd)', positiveUsd)
    .option('--allow-over-estimate', 'start even when the cost estimate is above --max-cost (the run still stops at the budget)')
    .option('--debug', 'print stack traces');
}

/**
 * `--baseline-cache` / `--no-baseline-cache` (compare, ci): whether the baseline's cached answers
 * are reused when its draws are noisy. Without either, `gate.baselineCache` decides (default: no).
 */
export function addSamplingFlags(command: Command): Command {
  return command
    .option('--baseline-cache', "reuse the baseline's cached answers even when they are noisy (repeat > 1, temperature not 0), instead of drawing them fresh; reports say so")
    .option('--no-baseline-cache', 'draw a noisy baseline fresh even when the config sets gate.baselineCache');
}

/**
 * `--adaptive` / `--no-adaptive` (compare, ci): repeats added round by round to the cases whose
 * draws disagree, within a call budget (config `adaptive`). Without either, the config decides.
 */
export function addAdaptiveFlags(command: Command): Command {
  return command
    .option('--adaptive', "adaptive repeats: every case startRepeats times a side, then more repeats only for the cases whose draws disagree, until the gate fails or the call budget is spent (settings: the config's `adaptive`)")
    .option('--no-adaptive', 'no adaptive repeats, even when the config turns them on');
}

/** Loads the config with flags applied (flags > config > defaults). */
export async function loadConfigWithFlags(flags: CommonFlags, cwd: string): Promise<ResolvedConfig> {
  return loadConfig({
    cwd,
    configFile: flags.config,
    overrides: {
      concurrency: flags.concurrency,
      repeat: flags.repeat,
      cache: flags.cache === false ? false : undefined,
      reporters: flags.reporter,
    },
  });
}

/** The API's options from the common flags (commander's `--no-cache` sets `cache: false`). */
export function commonOptionsOf(flags: CommonFlags): CommonOptions {
  return {
    config: flags.config,
    models: flags.model,
    repeat: flags.repeat,
    concurrency: flags.concurrency,
    noCache: flags.cache === false,
    reporters: flags.reporter,
    out: flags.out,
    filter: flags.filter,
    shard: flags.shard,
    record: flags.record,
    resume: flags.resume,
    maxCost: flags.maxCost,
    allowOverEstimate: flags.allowOverEstimate,
  };
}
