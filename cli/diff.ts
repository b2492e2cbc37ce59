/**
 * pnpm diff [--base <git-ref>] [--format text|markdown|json] — what a change does to the fleet.
 *
 * Generates in memory from the working tree and from the base commit's inputs (customers/, fleet.config.ts,
 * out/ports.lock.json; the code is the working tree's for both, see review/base-inputs.ts), then prints a
 * semantic summary (customers, and per output the objects added, removed and changed with their changed fields)
 * followed by the unified diff of out/; the base's tool-locks/ against the working tree's are listed per customer
 * (review/tool-lock-diff.ts). Exit code: 0 no change, 2 changes (tool lock changes too), 1 error.
 */
import pc from 'picocolors';
import { formatProblems } from '../fleet/problem.ts';
import { renderJson } from '../review/render-json.ts';
import { MARKDOWN_LIMIT, renderMarkdown } from '../review/render-markdown.ts';
import { renderText } from '../review/render-text.ts';
import { reviewChange } from '../review/review-change.ts';
import { hasChanges } from '../review/semantic-diff.ts';
import { parseCli, resolvePaths } from './cli-options.ts';

const FORMATS = ['text', 'markdown', 'json'] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `usage: pnpm diff [--base <git-ref>] [--format text|markdown|json] [--summary-only] [--context N] [--limit N] [--no-cache]
                 [--root DIR] [--customers DIR] [--config FILE] [--out DIR]

Compares what the working tree generates with what the base commit's customers/ and fleet.config.ts generate
(both with the working tree's code) and prints a semantic summary, then the unified diff of out/. Tool locks
(tool-locks/<customer>.json, docs/tool-locks.md) are compared as they are: tools added, removed and changed per
customer.

  --base REF       git ref to compare with (default: merge base with origin/HEAD or main; HEAD when on main)
  --format FMT     text (default), markdown (a PR comment, at most --limit characters) or json
  --summary-only   leave out the unified diff
  --no-cache       generate both sides afresh instead of reusing the generation cache (.mcpfleet-cache/)
  --context N      lines of context in the unified diff (default 3)
  --limit N        maximum length of the markdown (default ${MARKDOWN_LIMIT})

exit code: 0 no change, 2 changes, 1 error`;

const { values } = parseCli({
  base: { type: 'string' },
  format: { type: 'string', default: 'text' },
  'summary-only': { type: 'boolean', default: false },
  'no-cache': { type: 'boolean', default: false },
  context: { type: 'string', default: '3' },
  limit: { type: 'string', default: String(MARKDOWN_LIMIT) },
  help: { type: 'boolean', default: false },
});

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const format = values.format as Format;
const context = Number(values.context);
const limit = Number(values.limit);
const usageError = !FORMATS.includes(format)
  ? `unknown --format "${values.format}"; use one of: ${FORMATS.join(', ')}`
  : !Number.isInteger(context) || context < 0
    ? `--context must be a whole number ≥ 0, got "${values.context}"`
    : !Number.isInteger(limit) || limit < 2_000
      ? `--limit must be a whole number ≥ 2000, got "${values.limit}"`
      : undefined;
if (usageError) {
  console.error(pc.red(usageError));
  process.exit(1);
}

try {
  const result = await reviewChange(resolvePaths(values), { ...(values.base !== undefined && { base: values.base }), context, ...(values['no-cache'] && { cache: false }) });
  if (!result.ok) {
    const where = result.side === 'base' ? `at ${result.base.ref} (${result.base.commit.slice(0, 7)})` : 'in the working tree';
    console.error(pc.red(pc.bold(`cannot compare: the fleet ${where} does not validate`)));
    console.error(formatProblems(result.problems).replace('; nothing was written', ''));
    process.exitCode = 1;
  } else {
    const patch = !values['summary-only'];
    const output =
      format === 'json'
        ? renderJson(result.review, { patch })
        : format === 'markdown'
          ? renderMarkdown(result.review, { limit, patch })
          : renderText(result.review, { color: pc.isColorSupported && process.stdout.isTTY === true, patch });
    process.stdout.write(output);
    process.exitCode = hasChanges(result.review.diff) ? 2 : 0;
  }
} catch (error) {
  console.error(pc.red((error as Error).message));
  process.exitCode = 1;
}
