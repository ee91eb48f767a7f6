import Table from 'cli-table3';
import type { Command } from 'commander';
import { readCases } from '../cases/index.js';
import { resolveSuites } from '../runner/plan.js';
import { reportError } from './errors.js';
import { loadConfigWithFlags } from './options.js';
import type { CliRuntime } from './runtime.js';
import { guardedJson } from '../util/output-guard.js';

export function registerList(program: Command, cli: CliRuntime): void {
  program
    .command('list')
    .description('each prompt: id, version, hash, cases, models')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON instead of a table')
    .option('--log <calls.jsonl>', 'instead: which prompt versions served the calls of a log, and whether they match prompts.lock.json')
    .option('--debug', 'print stack traces')
    .action(async (flags: { config?: string; json?: boolean; debug?: boolean; log?: string }) => {
      const log = flags.log;
      cli.exit(log === undefined ? await listCommand(flags, cli.context) : await (await import('./list-log.js')).listLogCommand({ ...flags, log }, cli.context));
    });
}

export interface ListedPrompt {
  suite: string;
  id: string;
  version: string;
  hash: string;
  path: string;
  cases: number;
  models: string[];
}

export async function listCommand(flags: { config?: string; json?: boolean; debug?: boolean }, io: { cwd: string; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const out = io.stdout;
  try {
    const config = await loadConfigWithFlags({ config: flags.config, cache: true }, io.cwd);
    const plans = await resolveSuites(config);
    const listed: ListedPrompt[] = [];
    for (const plan of plans) {
      let cases = 0;
      for await (const _ of readCases(plan.caseFiles, { rootDir: config.rootDir, suiteAssert: plan.assert })) cases++;
      listed.push({ suite: plan.name, id: plan.prompt.id, version: plan.prompt.version, hash: plan.prompt.hash, path: plan.prompt.path, cases, models: plan.models });
    }
    if (flags.json) {
      out.write(`${guardedJson(JSON.stringify(listed, null, 2))}\n`);
      return 0;
    }
    const table = new Table({ head: ['Suite', 'Prompt', 'Version', 'Hash', 'Cases', 'Models'], style: { head: [], border: [] } });
    for (const p of listed) table.push([p.suite, p.id, p.version, p.hash, p.cases, p.models.join(', ')]);
    out.write(`${table.toString()}\n`);
    return 0;
  } catch (error) {
    return reportError(error, Boolean(flags.debug), io.stderr);
  }
}
