import type { CommonOptions } from './options.js';

/**
 * The arguments that resume a run made with these options (after the command): what `--resume`
 * checks against the run folder (suites, baseline and candidate, filter, shard, models, repeat)
 * and how it was run (config, batch mode, no cache), then `--resume <run folder>`. Printed when
 * the batch timeout stops a run.
 */
export function resumeArgsOf(options: CommonOptions & { suites?: string[]; baseline?: string; candidate?: string; saveBaseline?: string }): (runFolder: string) => string[] {
  const args: string[] = [...(options.suites ?? [])];
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined) args.push(flag, String(value));
  };
  add('--config', options.config);
  add('--baseline', options.baseline);
  add('--candidate', options.candidate);
  for (const model of options.models ?? []) add('--model', model);
  add('--repeat', options.repeat);
  add('--filter', options.filter);
  add('--shard', options.shard);
  add('--save-baseline', options.saveBaseline);
  if (options.noCache) args.push('--no-cache');
  if (options.batch) args.push('--batch');
  return (runFolder) => [...args, '--resume', runFolder];
}
