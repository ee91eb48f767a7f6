import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load.js';
import { REPORTER_NAMES } from '../config/schema.js';
import type { ReporterName, ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { parseShard, type Shard } from '../runner/select.js';

/** Flags shared by run, compare, ci and drift (SPEC §5). */
export interface CommonFlags {
  config?: string;
  model?: string[];
  repeat?: number;
  concurrency?: number;
  cache: boolean;
  reporter?: ReporterName[];
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
}

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1`);
  return n;
};
const collect = <T>(parse: (v: string) => T) => (value: string, previous: T[] | undefined) => [...(previous ?? []), parse(value)];

/** `--reporter <name>`, repeatable, checked against the reporters there are (run, compare, merge, report). */
export function addReporterOption(command: Command, defaultText: string): Command {
  const names = REPORTER_NAMES.join(', ');
  return command.option('--reporter <name>', `report format (repeatable): ${names} (default: ${defaultText})`, collect((value: string) => {
    if (!(REPORTER_NAMES as readonly string[]).includes(value)) throw new InvalidArgumentError(`unknown reporter "${value}" (one of ${names})`);
    return value as ReporterName;
  }));
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

/** `--baseline-cache` with `--no-cache` asks for cached answers and for none: exit 2 before anything runs. */
export function checkSamplingFlags(flags: CommonFlags): void {
  if (flags.baselineCache && flags.cache === false) {
    throw inputError('USAGE', '--baseline-cache reuses cached baseline answers, and --no-cache reads no cache', { file: '--baseline-cache' }, 'drop one of the two flags');
  }
}

/** Loads the config with flags applied (flags > config > defaults). */
export async function loadConfigWithFlags(flags: CommonFlags, cwd = process.cwd()): Promise<ResolvedConfig> {
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

export function shardOf(flags: CommonFlags): Shard | undefined {
  if (!flags.shard) return undefined;
  const shard = parseShard(flags.shard);
  if (!shard) throw inputError('USAGE', `--shard must look like 2/4 (got "${flags.shard}")`, { file: '--shard' });
  return shard;
}
