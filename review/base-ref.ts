/**
 * Which commit `diff` compares the working tree with: the ref given with --base, or by default the merge
 * base with the default branch (origin/HEAD, else main, else master), or HEAD when run on the default branch.
 */
import { git, gitOrNull } from './git.ts';

/** The resolved base of a comparison. */
export interface BaseRef {
  /** What to show the reader: the ref as given, `HEAD`, or the default branch's name. */
  ref: string;
  /** Full commit id. */
  commit: string;
  /** How it was chosen, for the heading: "given", "merge base with origin/main", "HEAD on main". */
  how: string;
}

/** The default branch as a ref (`origin/main`) and as a local branch name (`main`). */
interface DefaultBranch {
  ref: string;
  branch: string;
}

/**
 * Resolves the base commit in the git repository containing `root`.
 * Throws an Error with a message saying what to do when `root` is not in a repository, has no commits,
 * the given ref does not exist, or no default branch can be found.
 */
export async function resolveBase(root: string, given?: string): Promise<BaseRef> {
  if ((await gitOrNull(root, ['rev-parse', '--is-inside-work-tree'])) === null) {
    throw new Error(`${root} is not inside a git repository; run diff in a clone of the fleet repo (or pass --root)`);
  }
  if ((await verifyCommit(root, 'HEAD')) === null) throw new Error('the repository has no commits yet; commit customers/ first, or pass --base');

  if (given !== undefined) {
    const commit = await verifyCommit(root, given);
    if (commit === null) throw new Error(`unknown git ref "${given}"; pass a branch, tag or commit that exists here (fetch it first in a shallow clone)`);
    return { ref: given, commit, how: 'given' };
  }

  const defaultBranch = await findDefaultBranch(root);
  if (!defaultBranch) throw new Error('no default branch found (neither origin/HEAD, main nor master); pass --base <git-ref>');
  const current = (await gitOrNull(root, ['symbolic-ref', '--quiet', '--short', 'HEAD']))?.trim();
  if (current === defaultBranch.branch) {
    return { ref: 'HEAD', commit: (await verifyCommit(root, 'HEAD'))!, how: `HEAD on ${current}` };
  }
  const mergeBase = (await gitOrNull(root, ['merge-base', 'HEAD', defaultBranch.ref]))?.trim();
  if (!mergeBase) throw new Error(`HEAD and ${defaultBranch.ref} have no common commit (in a shallow clone, fetch more history); pass --base <git-ref>`);
  return { ref: defaultBranch.ref, commit: mergeBase, how: `merge base with ${defaultBranch.ref}` };
}

async function findDefaultBranch(root: string): Promise<DefaultBranch | undefined> {
  const originHead = (await gitOrNull(root, ['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']))?.trim();
  if (originHead?.startsWith('refs/remotes/')) {
    const ref = originHead.slice('refs/remotes/'.length);
    return { ref, branch: ref.slice(ref.indexOf('/') + 1) };
  }
  for (const branch of ['main', 'master']) {
    if ((await verifyCommit(root, `refs/heads/${branch}`)) !== null) return { ref: branch, branch };
  }
  return undefined;
}

async function verifyCommit(root: string, ref: string): Promise<string | null> {
  return (await gitOrNull(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]))?.trim() || null;
}
