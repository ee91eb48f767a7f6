#!/usr/bin/env node
import { main } from './cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // One line, like every other failure; the stack only with --debug.
    const debug = process.argv.includes('--debug');
    const text = error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message.split('\n')[0]) : String(error);
    process.stderr.write(`promptgate: internal error: ${text}${debug ? '' : ' (run with --debug for details)'}\n`);
    process.exitCode = 2;
  },
);
