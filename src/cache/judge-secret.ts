import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The secret behind the rubric judge's nonces, kept beside the response cache so the same grading
 * question renders the same judge request across runs (and its answer is cached). Graded outputs
 * never see it. Without a cache folder, a fresh secret per run.
 */
export async function loadJudgeSecret(cacheDir: string | false): Promise<string> {
  if (cacheDir === false) return randomBytes(32).toString('hex');
  const file = join(cacheDir, 'judge-secret');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(existing)) return existing;
  } catch {
    // first run with this cache folder
  }
  const secret = randomBytes(32).toString('hex');
  await mkdir(cacheDir, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
