/**
 * Relative links between the README and docs/*.md resolve: the file exists and, for `#anchor`, a heading of that
 * file has that GitHub anchor. Pages that others are writing (PENDING) may be linked before they exist; once they
 * do, links to them and their anchors are checked like any other.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { docFiles, headingAnchors, relativeLinks, REPO_ROOT } from './markdown.ts';

const PENDING = new Set(['docs/agent-page.md', 'docs/operating-locally.md']);

describe('links in the README and docs/', () => {
  it('every relative link resolves to a file, and every #anchor to a heading of it', () => {
    const anchors = new Map<string, Set<string>>();
    const anchorsOf = (file: string) => {
      if (!anchors.has(file)) anchors.set(file, headingAnchors(readFileSync(path.join(REPO_ROOT, file), 'utf8')));
      return anchors.get(file)!;
    };
    const broken: string[] = [];
    let count = 0;
    for (const file of docFiles()) {
      for (const link of relativeLinks(file, readFileSync(path.join(REPO_ROOT, file), 'utf8'))) {
        count++;
        const [target = '', anchor] = link.target.split('#', 2);
        const resolved = target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURIComponent(target)));
        const at = `${link.file}:${link.line}: (${link.target})`;
        if (resolved.startsWith('..')) {
          broken.push(`${at} points outside the repository`);
          continue;
        }
        if (!existsSync(path.join(REPO_ROOT, resolved))) {
          if (!PENDING.has(resolved)) broken.push(`${at} ${resolved} does not exist`);
          continue;
        }
        if (anchor === undefined || anchor === '') continue;
        if (!resolved.endsWith('.md') || statSync(path.join(REPO_ROOT, resolved)).isDirectory()) {
          broken.push(`${at} has an anchor but ${resolved} is not a Markdown file`);
          continue;
        }
        if (!anchorsOf(resolved).has(anchor)) broken.push(`${at} ${resolved} has no heading with the anchor #${anchor}`);
      }
    }
    expect(count).toBeGreaterThan(50);
    expect(broken, broken.join('\n')).toEqual([]);
  });

  it('the README links to every page of docs/', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const linked = new Set(relativeLinks('README.md', readme).map((l) => l.target.split('#')[0]));
    const missing = docFiles()
      .filter((f) => f.startsWith('docs/'))
      .filter((f) => !linked.has(f));
    expect(missing, `README.md does not link to: ${missing.join(', ')}`).toEqual([]);
  });
});
