import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { escapeControlChars, writeWorkflowCommand } from '../util/output-guard.js';

/**
 * GitHub Actions output: workflow-command annotations (`::error file=…::message`) and the job's
 * step summary. Escaping follows the Actions toolkit (`@actions/core` command.ts): in the message
 * `%`, CR and LF are encoded; in properties also `:` and `,`, which would otherwise end a property.
 */

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface AnnotationProperties {
  /** Path relative to the repository root, `/` separators. */
  file?: string;
  line?: number;
  title?: string;
}

/**
 * Encodes a message so it stays one workflow command (no line breaks, no stray `%`); other control
 * characters (terminal escapes from a model output) are shown as `\xNN`.
 */
export function escapeAnnotationData(text: string): string {
  return escapeControlChars(text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
}

/** Encodes a property value (`file=`, `title=`): as data, plus `:` and `,`. */
export function escapeAnnotationProperty(text: string): string {
  return escapeAnnotationData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One workflow command line, e.g. `::error file=prompts/x.prompt,line=1::case 3 regressed`. */
export function formatAnnotation(level: AnnotationLevel, properties: AnnotationProperties, message: string): string {
  const props: string[] = [];
  if (properties.file) props.push(`file=${escapeAnnotationProperty(properties.file)}`);
  if (properties.line !== undefined && Number.isInteger(properties.line) && properties.line > 0) props.push(`line=${properties.line}`);
  if (properties.title) props.push(`title=${escapeAnnotationProperty(properties.title)}`);
  return `::${level}${props.length ? ` ${props.join(',')}` : ''}::${escapeAnnotationData(message)}`;
}

/** Whether workflow commands are understood (GitHub sets GITHUB_ACTIONS=true on its runners). */
export function isGithubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/**
 * Appends Markdown to the job summary when `$GITHUB_STEP_SUMMARY` is set (any CI may set it).
 * Returns the file written, or undefined when there is none.
 */
export async function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return undefined;
  await appendFile(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`, 'utf8');
  return file;
}

/**
 * Writes `::stop-commands::<token>` so that nothing printed until the returned function runs can
 * act as a workflow command; the function writes `::<token>::` to resume. The token is random, so
 * printed text cannot guess it. A second line of defence: the CLI's output guard (util/output-guard.ts)
 * already makes all output inert, on stderr too, which this marker on stdout alone cannot promise
 * (the runner reads the two streams apart, so their order is not kept).
 */
export function stopCommands(out: NodeJS.WritableStream): () => void {
  const token = `promptgate-${randomBytes(8).toString('hex')}`;
  writeWorkflowCommand(out, `::stop-commands::${token}`);
  return () => {
    writeWorkflowCommand(out, `::${token}::`);
  };
}

/** Writes annotation lines (from formatAnnotation) past the CLI's output guard. */
export function writeAnnotations(out: NodeJS.WritableStream, lines: Iterable<string>): void {
  for (const line of lines) writeWorkflowCommand(out, line);
}
