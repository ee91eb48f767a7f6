#!/usr/bin/env node
import { main } from './cli/main.js';
import { escapeControlChars, guardOutput } from './util/output-guard.js';

// Model outputs and case data reach both streams: nothing printed may act as a workflow command.
guardOutput(process.stdout);
guardOutput(process.stderr);

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // One line, like every other failure; the stack only with --debug.
    const debug = process.argv.includes('--debug');
    const text = error instanceof Error ? (debug ? (error.stack ?? error.message) : escapeControlChars(error.message.split('\n')[0])) : escapeControlChars(String(error));
    process.stderr.write(`promptgate: internal error: ${text}${debug ? '' : ' (run with --debug for details)'}\n`);
    process.exitCode = 2;
  },
);
