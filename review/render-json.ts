/**
 * The machine-readable rendering of a review (`diff --format json`): the same facts as the text and Markdown,
 * without file contents, plus the unified diff as one string.
 */
import type { Review } from './review-change.ts';
import { customerCounts, outputCounts } from './sections.ts';
import { hasChanges } from './semantic-diff.ts';

/** Renders `review` as pretty-printed JSON (ends with a newline). */
export function renderJson(review: Review, options: { patch?: boolean } = {}): string {
  const { base, diff, patches } = review;
  return `${JSON.stringify(
    {
      base,
      head: 'working tree',
      changed: hasChanges(diff),
      summary: { customers: customerCounts(diff), outputs: outputCounts(diff) },
      customers: diff.customers,
      config: diff.config,
      objects: diff.objects,
      tools: diff.tools ?? [],
      files: patches.map(({ path, change, additions, deletions }) => ({ path: `out/${path}`, change, additions, deletions })),
      ...((options.patch ?? true) && { patch: patches.map((p) => p.patch).join('') }),
    },
    null,
    2,
  )}\n`;
}
