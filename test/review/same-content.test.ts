import { describe, expect, it } from 'vitest';
import { fileInOut } from '../../output/file-in-out.ts';
import { sameContent } from '../../review/generate-in-memory.ts';

/** A file proven in out/ at a path that does not exist: asking for its content throws, so a test sees any read. */
const unreadable = (hash: string) => fileInOut('k8s/customers/a.yaml', { file: '/nonexistent/mcpfleet/out/k8s/customers/a.yaml', stamp: '1:1:1:1', hash });

describe('sameContent: files proven in out/ compare by hash, unread', () => {
  it('two proven files with one hash are the same without reading either', () => {
    expect(sameContent(unreadable('h1'), unreadable('h1'))).toBe(true);
  });

  it('proven files with other hashes, or a proven file and one in memory, compare their content', () => {
    expect(() => sameContent(unreadable('h1'), unreadable('h2'))).toThrow(/ENOENT/);
    expect(() => sameContent(unreadable('h1'), { path: 'k8s/customers/a.yaml', content: 'x' })).toThrow(/ENOENT/);
  });

  it('files in memory compare by content; a file on one side only is a difference', () => {
    expect(sameContent({ path: 'a', content: 'x' }, { path: 'a', content: 'x' })).toBe(true);
    expect(sameContent({ path: 'a', content: 'x' }, { path: 'a', content: 'y' })).toBe(false);
    expect(sameContent({ path: 'a', content: 'x' }, undefined)).toBe(false);
    expect(sameContent(undefined, undefined)).toBe(true);
  });
});
