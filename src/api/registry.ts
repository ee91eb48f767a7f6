import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { oneLine } from '../reporters/terminal-text.js';
import { guardedJson } from '../util/output-guard.js';
import { resolveContext, type Context, type ResolvedContext } from './context.js';
import { settle, type Failure } from './result.js';
import type { PublishedEntry } from '../registry/publish.js';
import type { LabelStatus, Mismatch, TrafficRow } from '../registry/status.js';
import type { GateReceipt, LabelEvent, RegistryStore } from '../registry/types.js';

/** Options every registry command takes: the CLI's flags, camelCase. */
export interface RegistryOptions {
  /** `--config <file>` (relative to the context's `cwd`). */
  config?: string;
  /**
   * `--store <url>`: `file:<dir>` (relative to the project root), `postgres://…`, read-only
   * `https://…`. @default the config's `registry.store`, else PROMPTGATE_STORE, else `file:./registry`
   */
  store?: string;
}

export interface PublishOptions extends RegistryOptions {
  /** Prompt ids (file names without `.prompt`). @default every prompt in the config's prompts folder */
  ids?: string[];
  /** `--force`: publish versions without a passing gate receipt. Needs `reason`. */
  force?: boolean;
  /** `--reason`: why a forced publish (recorded in the version's `forced`). */
  reason?: string;
}

export interface PublishOutcome {
  ok: true;
  exitCode: 0;
  /** The store's display URL (no password). */
  store: string;
  versions: PublishedEntry[];
}

/**
 * What publish returns. Refusals are Failures with exit code 1: REGISTRY_NO_RECEIPT (a prompt has
 * no passing gate receipt, and no `force`), REGISTRY_IMMUTABLE (the id@version is published with
 * other content); nothing is written then. Bad input, an unreachable or read-only store: exit 2.
 */
export type PublishResult = PublishOutcome | Failure;

export interface PromoteOptions extends RegistryOptions {
  /** `<id>@<version>`: a published version. */
  prompt: string;
  /** `--label <label>`, e.g. `production` (required). */
  label: string;
  /** `--reason`: why (recorded in the history). */
  reason?: string;
}

export interface RollbackOptions extends RegistryOptions {
  /** The prompt id. */
  id: string;
  /** `--label <label>` (required). */
  label: string;
  reason?: string;
}

export interface LabelMoveOutcome {
  ok: true;
  exitCode: 0;
  store: string;
  /** The move appended to the history; null when promote found the label already there (nothing appended). */
  event: LabelEvent | null;
}

/** Refusals (REGISTRY_NOT_PUBLISHED, REGISTRY_NO_ROLLBACK) and bad input are Failures (exit 2). */
export type LabelMoveResult = LabelMoveOutcome | Failure;

export interface StatusOptions extends RegistryOptions {
  /** `--label`: only this label. @default every label */
  label?: string;
  /** `--log <file or glob>`: production call logs (calls.jsonl), relative to the context's `cwd`. */
  log?: string;
  /** `--json`: print the outcome's data as JSON instead of text. */
  json?: boolean;
}

export interface StatusOutcome {
  ok: true;
  /** 0 · 1 a mismatch between the logs and a label, or a pointer whose version is tampered or missing. */
  exitCode: 0 | 1;
  store: string;
  labels: LabelStatus[];
  /** With `log`: the log files read, and the production calls per label, store and version. */
  logFiles?: string[];
  traffic?: TrafficRow[];
  mismatches: Mismatch[];
  /** One line per pointer with a problem (LabelStatus.problem). */
  problems: string[];
}

export type StatusResult = StatusOutcome | Failure;

/** `promptgate publish [id...]`: the working tree's prompt versions, with their gate receipts, into the store. */
export async function publish(options: PublishOptions = {}, context: Context = {}): Promise<PublishResult> {
  const ctx = resolveContext(context);
  return settle(async () => {
    if (options.force && !options.reason?.trim()) throw inputError('USAGE', 'needs --reason "…" (the reason is recorded with the version)', { file: '--force' });
    if (!options.force && options.reason !== undefined) throw inputError('USAGE', 'is recorded only with --force', { file: '--reason' });
    const config = await loadConfig({ cwd: ctx.cwd, configFile: options.config });
    const { loadPublishPrompts, publishPrompts } = await import('../registry/publish.js');
    const prompts = await loadPublishPrompts(config, options.ids ?? []);
    return withStore(config, options, ctx, async (store) => {
      const { actorOf } = await import('../registry/actor.js');
      const by = await actorOf(ctx.env, config.rootDir);
      const force = options.force ? { reason: options.reason!.trim() } : undefined;
      const versions = await publishPrompts({ config, store, by, ...(force ? { force } : {}) }, prompts);
      for (const v of versions) {
        const what = `${oneLine(v.id, 60)} ${oneLine(v.version, 30)} (${v.hash})`;
        const gate = v.receipt ? `receipt: ${describeReceipt(v.receipt)}` : `forced: ${JSON.stringify(oneLine(v.forced?.reason ?? '', 200))}`;
        ctx.stdout.write(v.result === 'created' ? `published ${what} to ${store.url} · ${gate}\n` : `unchanged ${what}: already published in ${store.url}\n`);
        if (v.result === 'created' && v.dirty) ctx.stderr.write(`promptgate: note: ${v.path} has uncommitted changes: published as dirty (commit ${v.commit?.slice(0, 12)})\n`);
      }
      return { ok: true as const, exitCode: 0 as const, store: store.url, versions };
    });
  });
}

/** `promptgate promote <id>@<version> --label <l>`: points the label at a published version (appended to the history). */
export async function promote(options: PromoteOptions, context: Context = {}): Promise<LabelMoveResult> {
  const ctx = resolveContext(context);
  return settle(async () => {
    const { id, version } = (await import('../registry/names.js')).parseVersionRef(options.prompt);
    const label = await checkLabel(options.label);
    const config = await loadConfig({ cwd: ctx.cwd, configFile: options.config });
    return withStore(config, options, ctx, async (store) => {
      if (store.readOnly) throw (await import('../registry/publish.js')).readOnlyError(store, 'promote');
      const current = (await store.labels(label)).find((s) => s.id === id);
      if (current && current.version === version) {
        ctx.stdout.write(`${label} already points ${oneLine(id, 60)} to ${oneLine(version, 30)} (${current.hash}) in ${store.url}: nothing moved\n`);
        return { ok: true as const, exitCode: 0 as const, store: store.url, event: null };
      }
      const { actorOf } = await import('../registry/actor.js');
      const by = await actorOf(ctx.env, config.rootDir);
      const event = await store.moveLabel({ id, label, to: { version }, by, ...reasonOf(options.reason) });
      ctx.stdout.write(describeMove(event, store));
      return { ok: true as const, exitCode: 0 as const, store: store.url, event };
    });
  });
}

/** `promptgate rollback <id> --label <l>`: moves the label back to the version it pointed to before the current one. */
export async function rollback(options: RollbackOptions, context: Context = {}): Promise<LabelMoveResult> {
  const ctx = resolveContext(context);
  return settle(async () => {
    (await import('../registry/names.js')).assertRegistryId(options.id);
    const label = await checkLabel(options.label);
    const config = await loadConfig({ cwd: ctx.cwd, configFile: options.config });
    return withStore(config, options, ctx, async (store) => {
      if (store.readOnly) throw (await import('../registry/publish.js')).readOnlyError(store, 'rollback');
      const { actorOf } = await import('../registry/actor.js');
      const by = await actorOf(ctx.env, config.rootDir);
      const event = await store.moveLabel({ id: options.id, label, to: 'rollback', by, ...reasonOf(options.reason) });
      ctx.stdout.write(describeMove(event, store));
      return { ok: true as const, exitCode: 0 as const, store: store.url, event };
    });
  });
}

/** `promptgate status [--label l] [--log <file or glob>]`: where each label points, with receipts; with logs, what served traffic. */
export async function status(options: StatusOptions = {}, context: Context = {}): Promise<StatusResult> {
  const ctx = resolveContext(context);
  return settle(async () => {
    const label = options.label === undefined ? undefined : await checkLabel(options.label);
    const logFiles = options.log === undefined ? undefined : await findLogFiles(options.log, ctx.cwd);
    const config = await loadConfig({ cwd: ctx.cwd, configFile: options.config });
    const { compareTraffic, readLabelStatus, readTraffic } = await import('../registry/status.js');
    return withStore(config, options, ctx, async (store) => {
      const labels = await readLabelStatus(store, label);
      const traffic = logFiles ? (await readTraffic(logFiles)).filter((row) => label === undefined || row.label === label || row.label === null) : undefined;
      const mismatches = traffic ? compareTraffic(labels, traffic) : [];
      const problems = labels.filter((l) => l.problem).map((l) => `${l.label} → ${l.id} ${l.version}: ${l.problem}`);
      const outcome: StatusOutcome = {
        ok: true, exitCode: mismatches.length || problems.length ? 1 : 0, store: store.url, labels,
        ...(logFiles ? { logFiles: logFiles.map((f) => resolve(f)), traffic } : {}), mismatches, problems,
      };
      if (options.json) {
        const { ok: _, exitCode: __, ...data } = outcome;
        ctx.stdout.write(`${guardedJson(JSON.stringify(data, null, 2))}\n`);
      } else {
        ctx.stdout.write(renderStatus(outcome, label));
      }
      return outcome;
    });
  });
}

/** Opens the store the options, config or environment name; closes it after `body`. */
async function withStore<T>(config: ResolvedConfig, options: RegistryOptions, ctx: ResolvedContext, body: (store: RegistryStore) => Promise<T>): Promise<T> {
  const { resolveStoreUrl } = await import('../registry/store-url.js');
  const { openStore } = await import('../registry/open-store.js');
  const store = await openStore(resolveStoreUrl(options.store, config, ctx.env), { rootDir: config.rootDir });
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

async function checkLabel(label: string): Promise<string> {
  const { assertLabel } = await import('../registry/names.js');
  assertLabel(label);
  return label;
}

function reasonOf(reason: string | undefined): { reason?: string } {
  const text = reason?.trim();
  return text ? { reason: text } : {};
}

function describeReceipt(r: GateReceipt): string {
  return `${r.command} ${r.runId} (${r.verdict}, ${r.date}${r.baseline ? `, baseline ${oneLine(r.baseline, 60)}` : ''})`;
}

function describeMove(event: LabelEvent, store: RegistryStore): string {
  const from = event.previous ? `${oneLine(event.previous.version, 30)} (${event.previous.hash})` : '(none)';
  const why = event.reason ? `: ${JSON.stringify(oneLine(event.reason, 200))}` : '';
  return `${event.label}: ${oneLine(event.id, 60)} ${from} → ${oneLine(event.version, 30)} (${event.hash}) in ${store.url} (${event.action} #${event.seq} by ${oneLine(event.by, 80)}${why})\n`;
}

/** The log files `--log` names: one file, or a glob (tinyglobby) relative to `cwd`. FILE_MISSING when nothing matches. */
async function findLogFiles(pattern: string, cwd: string): Promise<string[]> {
  const { glob, isDynamicPattern } = await import('tinyglobby');
  const info = await stat(resolve(cwd, pattern)).catch(() => undefined);
  if (info?.isFile()) return [resolve(cwd, pattern)];
  const files = isDynamicPattern(pattern) ? (await glob(pattern, { cwd, absolute: true, onlyFiles: true, expandDirectories: false })).sort() : [];
  if (files.length === 0) throw inputError('FILE_MISSING', `no log file matches ${pattern}`, { file: '--log' }, 'give a calls.jsonl file or a glob such as "logs/**/calls.jsonl" (quote it)');
  return files;
}

function renderStatus(outcome: StatusOutcome, label: string | undefined): string {
  const lines: string[] = [];
  if (outcome.labels.length === 0) {
    lines.push(label === undefined
      ? `no labels in ${outcome.store} yet (publish, then: promptgate promote <id>@<version> --label production)`
      : `no prompt has label ${label} in ${outcome.store}`);
  } else {
    lines.push(`store ${outcome.store}`);
  }
  let current: string | undefined;
  for (const l of outcome.labels) {
    if (l.label !== current) {
      current = l.label;
      lines.push('', `${l.label}:`);
    }
    const why = l.reason ? ` · why: ${JSON.stringify(oneLine(l.reason, 200))}` : '';
    lines.push(`  ${oneLine(l.id, 60)} ${oneLine(l.version, 30)} (${l.hash}) since ${l.since} by ${oneLine(l.by, 80)} (${l.action})${why}`);
    if (l.problem) lines.push(`    PROBLEM: ${oneLine(l.problem, 200)}`);
    else if (l.receipt) lines.push(`    receipt: ${describeReceipt(l.receipt)}`);
    else lines.push(`    forced: ${JSON.stringify(oneLine(l.forced?.reason ?? '', 200))} (no gate receipt)`);
  }
  if (outcome.traffic) {
    lines.push('', `traffic in ${outcome.logFiles!.length} log file(s):`);
    if (outcome.traffic.length === 0) lines.push('  no production calls');
    for (const t of outcome.traffic) {
      const state = t.current === undefined ? '' : t.current ? ' · current' : ' · not what the label points to';
      const where = `${t.label === null ? '(no label)' : oneLine(t.label, 64)}${t.store ? ` from ${oneLine(t.store, 80)}` : ''}`;
      lines.push(`  ${where}: ${oneLine(t.id, 60)} ${oneLine(t.version, 30)} (${oneLine(t.hash, 16)}) ${t.calls} call(s), ${t.errors} error(s), first ${oneLine(t.firstAt, 30)}, last ${oneLine(t.lastAt, 30)}${state}`);
    }
  }
  for (const m of outcome.mismatches) lines.push(`MISMATCH: ${oneLine(m.message, 400)}`);
  return `${lines.join('\n')}\n`;
}
