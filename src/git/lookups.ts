import { resolve } from 'node:path';
import { findRepoRootAndHead, headCommit, lookupRevisionAndHead, type RevisionLookup } from './git.js';

/**
 * The repository questions of ONE command (a compare(), ci() or drift() call), each answered by
 * git once for that command: the revision a side names, the commit checked out (run.json's
 * `gitCommit`), the repository root. A question git answered on the way (HEAD, asked with the
 * revision or the root in one `git rev-parse`) is not asked again: each answer is a process (5-10 ms).
 *
 * Made per command and dropped with it, never shared by the process: an API user calls compare()
 * again after a commit or a checkout, and that call must see the repository as it is then. The
 * answers are those of git.ts's lookupRevision, headCommit and findRepoRoot, by folder.
 */
export interface GitLookups {
  lookupRevision(cwd: string, revision: string): Promise<RevisionLookup>;
  headCommit(cwd: string): Promise<string | undefined>;
  findRepoRoot(cwd: string): Promise<string | undefined>;
  /** What the command learnt from git otherwise (ci: HEAD, and its merge base with the short form), for the questions that follow. */
  remember(cwd: string, learnt: { head?: string; revision?: { name: string; found: RevisionLookup } }): void;
}

export function createGitLookups(): GitLookups {
  const revisions = new Map<string, Promise<RevisionLookup>>();
  const heads = new Map<string, Promise<string | undefined>>();
  const roots = new Map<string, Promise<string | undefined>>();
  /** The first answer for a folder's HEAD or root stays: it is what this command saw. */
  const learn = (cwd: string, answer: { head?: string; root?: string }) => {
    const folder = resolve(cwd);
    if (answer.head && !heads.has(folder)) heads.set(folder, Promise.resolve(answer.head));
    if (answer.root && !roots.has(folder)) roots.set(folder, Promise.resolve(answer.root));
  };
  return {
    lookupRevision: (cwd, revision) =>
      answerOnce(revisions, `${resolve(cwd)}\0${revision}`, () =>
        lookupRevisionAndHead(cwd, revision).then((answer) => {
          learn(cwd, { head: answer.head, root: answer.found.root });
          return answer.found;
        }),
      ),
    headCommit: (cwd) => answerOnce(heads, resolve(cwd), () => headCommit(cwd)),
    findRepoRoot: (cwd) =>
      answerOnce(roots, resolve(cwd), () =>
        findRepoRootAndHead(cwd).then((answer) => {
          learn(cwd, { head: answer.head });
          return answer.root;
        }),
      ),
    remember(cwd, learnt) {
      learn(cwd, { head: learnt.head, root: learnt.revision?.found.root });
      if (learnt.revision) revisions.set(`${resolve(cwd)}\0${learnt.revision.name}`, Promise.resolve(learnt.revision.found));
    },
  };
}

/** The answer kept under `key`, asked (once) when there is none yet. */
function answerOnce<T>(answers: Map<string, Promise<T>>, key: string, ask: () => Promise<T>): Promise<T> {
  let answer = answers.get(key);
  if (!answer) {
    answer = ask();
    answers.set(key, answer);
  }
  return answer;
}
