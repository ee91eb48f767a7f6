/**
 * What the function-level gate benches (gate-bench.mjs, adaptive-bench.mjs) share: the sources
 * they run, the U-shaped pass chances of simulated cases, and their command line.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createJiti } from 'jiti';

const jiti = createJiti(import.meta.url);

/**
 * The exports of the TypeScript source files at `urls`, merged, run through jiti (a dependency):
 * no build, and never a stale dist/. Callers write `new URL('../../src/….ts', import.meta.url)`,
 * which is also how knip sees what the benches use.
 */
export async function importSources(...urls) {
  const modules = await Promise.all(urls.map((url) => jiti.import(fileURLToPath(url))));
  return Object.assign({}, ...modules);
}

/** Beta(a, b) with a, b < 1 by Jöhnk's method. */
function beta(random, a, b) {
  for (;;) {
    const x = random.float() ** (1 / a);
    const y = random.float() ** (1 / b);
    if (x + y <= 1 && x + y > 0) return x / (x + y);
  }
}

/**
 * A case's pass chance, U-shaped over cases (most cases almost always pass or almost always fail,
 * some are coin flips), by `--difficulty`: `beta73` is Beta(0.7, 0.3), mean 0.7, as the end-to-end
 * bench's server (noisy-server.mjs); `arcsine` is Beta(½, ½), sin²(πu/2) with u uniform.
 */
export const DIFFICULTY = {
  beta73: (random) => beta(random, 0.7, 0.3),
  arcsine: (random) => Math.sin((Math.PI * random.float()) / 2) ** 2,
};

/** `--name value` from the command line, else `fallback`. */
function argument(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

/**
 * When `moduleUrl` is the script node was started with: runs `bench` with `--seed N --compares N
 * --only id,id --difficulty name` (given ones only, `difficulty` defaulting to `difficulty`),
 * prints its markdown, and exits 1 with the stack when it cannot run.
 */
export async function runFromCommandLine(moduleUrl, name, difficulty, bench) {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  try {
    const seed = argument('seed', undefined);
    const compares = argument('compares', undefined);
    const only = argument('only', undefined);
    const result = await bench({ seed: seed && Number(seed), compares: compares && Number(compares), only: only?.split(','), difficulty: argument('difficulty', difficulty) });
    console.log(result.markdown);
  } catch (error) {
    console.error(`${name} could not run: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
  }
}
