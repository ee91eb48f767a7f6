/**
 * The documentation's links hold: every relative link and `#anchor` in README.md, CONTRIBUTING.md,
 * docs/*.md and schemas/README.md points at a file that exists and, for an anchor, at a heading of that file (GitHub's
 * slugs). Reads files only: no build, no network. Also keeps README.md what issue 14 asked: under
 * 250 lines, with this repository's two set-up commands near the top.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Pages other work adds later: a link to one is fine while it is missing, checked once it exists. */
const PENDING = new Set(['docs/api.md', 'docs/plugins.md', 'docs/adaptive.md']);

const DOCS = [
  'README.md',
  'CONTRIBUTING.md',
  'schemas/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/** The text outside fenced code blocks, line by line (fenced lines become empty: line numbers hold). */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      return '';
    }
    return fence === undefined ? line : '';
  });
}

/** GitHub's heading anchor: lower-cased text without punctuation, spaces as hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

const anchorCache = new Map<string, Set<string>>();
function anchors(file: string): Set<string> {
  let found = anchorCache.get(file);
  if (found) return found;
  found = new Set();
  const seen = new Map<string, number>();
  for (const line of proseLines(readFileSync(file, 'utf8'))) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  }
  anchorCache.set(file, found);
  return found;
}

interface Link { doc: string; line: number; target: string }

function links(doc: string): Link[] {
  const out: Link[] = [];
  proseLines(readFileSync(join(ROOT, doc), 'utf8')).forEach((raw, index) => {
    const line = raw.replace(/`[^`]*`/g, '');
    for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ doc, line: index + 1, target: match[1] });
    }
  });
  return out;
}

/** Why a link is broken, or undefined when it resolves. */
function problem({ doc, target }: Link): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: …: not checked (no network)
  const hash = target.indexOf('#');
  const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const file = path === '' ? join(ROOT, doc) : resolve(dirname(join(ROOT, doc)), path);
  const rel = relative(ROOT, file).split('\\').join('/');
  if (rel.startsWith('..')) return `points outside the repository (${rel})`;
  if (!existsSync(file)) return PENDING.has(rel) ? undefined : `no such file: ${rel}`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return `an anchor into ${rel}, which is not a Markdown file`;
  return anchors(file).has(anchor) ? undefined : `no heading with the anchor #${anchor} in ${rel}`;
}

describe('documentation links', () => {
  it('every relative link and #anchor in README.md, CONTRIBUTING.md, docs/*.md and schemas/README.md resolves', () => {
    const all = DOCS.flatMap(links);
    expect(all.length).toBeGreaterThan(30);
    const broken = all.flatMap((link) => {
      const why = problem(link);
      return why ? [`${link.doc}:${link.line}: (${link.target}) ${why}`] : [];
    });
    expect(broken).toEqual([]);
  });

  it('the checker itself catches a missing file and a missing anchor', () => {
    expect(problem({ doc: 'README.md', line: 1, target: 'docs/no-such-page.md' })).toMatch(/no such file/);
    expect(problem({ doc: 'README.md', line: 1, target: 'docs/cli.md#no-such-heading' })).toMatch(/no heading/);
    expect(problem({ doc: 'docs/index.md', line: 1, target: '../README.md#from-git-to-production' })).toBeUndefined();
    expect(slug('The pull-request gate: `promptgate ci`')).toBe('the-pull-request-gate-promptgate-ci');
    expect(slug('Fresh samples, and pass@k and flakiness')).toBe('fresh-samples-and-passk-and-flakiness');
  });

  it('README.md is for users: under 250 lines, with the two set-up commands of this repository near the top', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0)).toBeLessThan(250);
    const top = readme.split('\n').slice(0, 20).join('\n');
    expect(top).toContain('npm install && npm start');
    expect(top).toMatch(/^npm test\b/m);
  });
});
