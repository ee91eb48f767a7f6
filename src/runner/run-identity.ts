import { createReadStream, existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import { createRoutes } from '../cache/request-key.js';
import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { RUN_FILE } from '../run-record/writer.js';
import { shortHash } from '../util/hash.js';
import type { SuiteRun } from './engine.js';
import { packageVersion } from './finalize.js';
import { openStoredRun } from '../run-record/read.js';
import type { SideSource } from './sides.js';

/** Written into the run folder when a run starts, so `--resume` can check it continues the same run (even after a crash). */
export const RUN_IDENTITY_FILE = 'run-identity.json';

/**
 * Everything that decides a run's results, recorded when the run starts. `--resume` refuses to
 * continue a run whose identity differs from the one the resuming command would have.
 */
export interface RunIdentity {
  format: 'promptgate-run-identity';
  formatVersion: 1;
  runId: string;
  command: string;
  promptgateVersion: string;
  /** The config digest (what in the config changes results). */
  configDigest: string;
  options: {
    /** `--filter`, `--shard`, `--model` as given (null when absent). */
    filter: string | null;
    shard: string | null;
    models: string[] | null;
    /** compare / ci / drift: the baseline and candidate specs as given. */
    baseline: string | null;
    candidate: string | null;
  };
  suites: SuiteIdentity[];
  /** Where each model entry used goes: provider, endpoint, key variable name, and a hash of the whole route. */
  models: Record<string, { provider: string; endpoint: string | null; apiKeyEnv: string | null; route: string }>;
}

interface SuiteIdentity {
  suite: string;
  models: string[];
  repeat: number;
  /** `shout@1.0.0 3f2a1b0c9d8e`, `stored <label> ...`, or `none`. */
  candidate: string;
  baseline: string | null;
  /** Case files (relative to the project) → sha256 of their bytes. */
  cases: Record<string, string>;
}

export interface IdentityInput {
  config: ResolvedConfig;
  suites: SuiteRun[];
  runId: string;
  command: string;
  filter?: string;
  shard?: string;
  models?: string[];
  specs?: { baseline?: string; candidate?: string };
}

/** The identity of the run these settings make (reads and hashes the case files). */
export async function buildRunIdentity(input: IdentityInput): Promise<RunIdentity> {
  const { config } = input;
  const routes = createRoutes(config.models);
  const used = new Set<string>();
  const suites: SuiteIdentity[] = [];
  for (const { plan, candidate, baseline } of input.suites) {
    for (const model of plan.models) used.add(model);
    const cases: Record<string, string> = {};
    for (const file of plan.caseFiles) cases[relative(config.rootDir, file).split('\\').join('/')] = await fileHash(file);
    suites.push({ suite: plan.name, models: [...plan.models], repeat: plan.repeat, candidate: sideText(candidate), baseline: baseline ? sideText(baseline) : null, cases });
  }
  if (config.judge) used.add(config.judge);
  const models: RunIdentity['models'] = {};
  for (const name of [...used].sort()) {
    if (!config.models[name]) continue;
    const route = routes(name);
    models[name] = { provider: route.provider, endpoint: route.endpoint && withoutQuery(route.endpoint), apiKeyEnv: route.apiKeyEnv, route: shortHash(route.text, 16) };
  }
  return {
    format: 'promptgate-run-identity',
    formatVersion: 1,
    runId: input.runId,
    command: input.command,
    promptgateVersion: await packageVersion(),
    configDigest: config.digest,
    options: {
      filter: input.filter ?? null,
      shard: input.shard ?? null,
      models: input.models?.length ? [...input.models] : null,
      baseline: input.specs?.baseline ?? null,
      candidate: input.specs?.candidate ?? null,
    },
    suites,
    models,
  };
}

/** Writes the identity into a new run folder (temp file and rename: never half-written). */
export async function writeRunIdentity(runDir: string, identity: RunIdentity): Promise<void> {
  const target = join(runDir, RUN_IDENTITY_FILE);
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(identity, null, 2)}\n`);
  await rename(tmp, target);
}

/**
 * Checks that `--resume <runDir>` (shown as `shown`) would continue the same run: the run is not
 * complete already, and nothing that changes results differs from the identity it recorded when it
 * started. Throws RUN_INVALID (exit 2) naming the first difference; nothing is touched.
 */
export async function checkResumable(runDir: string, shown: string, current: RunIdentity): Promise<void> {
  const file = join(shown, RUN_IDENTITY_FILE);
  const hint = 'start a new run without --resume, or resume with the settings of the interrupted run';
  if (existsSync(join(runDir, RUN_FILE))) {
    const { header } = await openStoredRun(runDir);
    if (header.status === 'complete') {
      throw inputError('RUN_INVALID', `cannot resume run ${header.runId}: it is already complete, there is nothing to resume`, { file: join(shown, RUN_FILE) }, 'start a new run without --resume; `promptgate report` rebuilds its reports');
    }
  }
  let recorded: RunIdentity;
  try {
    recorded = JSON.parse(await readFile(join(runDir, RUN_IDENTITY_FILE), 'utf8')) as RunIdentity;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw inputError('RUN_INVALID', `cannot resume: ${missing ? `the run folder has no ${RUN_IDENTITY_FILE} (not a promptgate run folder, or one made by an older version)` : `${RUN_IDENTITY_FILE} is not valid JSON`}, so what it ran cannot be checked`, { file }, 'start a new run without --resume');
  }
  if (recorded?.format !== 'promptgate-run-identity' || recorded.formatVersion !== 1) {
    throw inputError('RUN_INVALID', `cannot resume: ${RUN_IDENTITY_FILE} is not a run identity this version reads`, { file }, 'start a new run without --resume');
  }
  const change = identityDifference(recorded, current);
  if (change) throw inputError('RUN_INVALID', `cannot resume: ${change} since the interrupted run`, { file }, hint);
}

/** The first difference that changes results, as `the config digest changed (a → b)`; undefined when none. */
export function identityDifference(before: RunIdentity, now: RunIdentity): string | undefined {
  const changed = (what: string, a: unknown, b: unknown) => `${what} changed (${show(a)} → ${show(b)})`;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (before.command !== now.command) return changed('the command', before.command, now.command);
  if (before.promptgateVersion !== now.promptgateVersion) return changed('the promptgate version', before.promptgateVersion, now.promptgateVersion);
  const flags: Array<[keyof RunIdentity['options'], string]> = [
    ['baseline', 'the baseline spec (--baseline)'],
    ['candidate', 'the candidate spec (--candidate)'],
    ['filter', 'the case filter (--filter)'],
    ['shard', 'the shard (--shard)'],
    ['models', 'the model selection (--model)'],
  ];
  for (const [key, what] of flags) if (!same(before.options?.[key], now.options[key])) return changed(what, before.options?.[key], now.options[key]);
  const names = (identity: RunIdentity) => (identity.suites ?? []).map((s) => s.suite);
  if (!same(names(before), names(now))) return changed('the suites run', names(before).join(', '), names(now).join(', '));
  for (const [i, suite] of now.suites.entries()) {
    const old = before.suites[i];
    const where = `suite "${suite.suite}"`;
    if (!same(old.models, suite.models)) return changed(`the models of ${where}`, old.models.join(', '), suite.models.join(', '));
    if (old.repeat !== suite.repeat) return changed(`the repeat count (--repeat) of ${where}`, old.repeat, suite.repeat);
    if (old.candidate !== suite.candidate) return changed(`the candidate prompt version of ${where}`, old.candidate, suite.candidate);
    if (old.baseline !== suite.baseline) return changed(`the baseline prompt version of ${where}`, old.baseline, suite.baseline);
    const files = new Set([...Object.keys(old.cases ?? {}), ...Object.keys(suite.cases)]);
    for (const file of files) {
      if (old.cases?.[file] !== suite.cases[file]) {
        const state = (hash: string | undefined) => (hash ? `sha256 ${hash.slice(0, 12)}` : 'absent');
        return changed(`the case file ${file} of ${where}`, state(old.cases?.[file]), state(suite.cases[file]));
      }
    }
  }
  // After the flags and suites: --repeat also changes the digest, and naming the flag says more.
  if (before.configDigest !== now.configDigest) return changed('the config digest', before.configDigest, now.configDigest);
  for (const name of new Set([...Object.keys(before.models ?? {}), ...Object.keys(now.models)])) {
    const [a, b] = [before.models?.[name], now.models[name]];
    if (a?.route === b?.route) continue;
    const where = (m: typeof a) => (m ? `${m.provider} ${m.endpoint ?? '(no endpoint)'} key ${m.apiKeyEnv ?? 'none'}` : 'not used');
    return changed(`where model entry "${name}" sends its calls`, where(a), where(b));
  }
  return undefined;
}

/** One line whatever the value holds: strings JSON-quoted, lists and objects as JSON. */
function show(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function sideText(source: SideSource): string {
  if (source.kind === 'absent') return 'none';
  const prompt = source.prompt;
  const version = prompt ? `${prompt.id}@${prompt.version} ${prompt.hash}` : 'no prompt';
  return source.kind === 'stored' ? `stored run ${source.label}: ${version}` : version;
}

function withoutQuery(endpoint: string): string {
  const at = endpoint.indexOf('?');
  return at < 0 ? endpoint : endpoint.slice(0, at);
}

async function fileHash(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
