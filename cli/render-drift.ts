/** The unified diff of what a plan would change under out/, coloured for a terminal. */
import { createTwoFilesPatch } from 'diff';
import pc from 'picocolors';
import type { OutputPlan } from '../output/output-plan.ts';

export function renderDrift(plan: OutputPlan): string {
  const patches = [
    ...plan.writes.map((f) => createTwoFilesPatch(`a/out/${f.path}`, `b/out/${f.path}`, f.before ?? '', f.content, undefined, undefined, { context: 3 })),
    ...plan.removals.map((f) => createTwoFilesPatch(`a/out/${f.path}`, '/dev/null', f.before, '', undefined, undefined, { context: 3 })),
  ];
  return patches
    .join('\n')
    .split('\n')
    .map((line) => (line.startsWith('+') && !line.startsWith('+++') ? pc.green(line) : line.startsWith('-') && !line.startsWith('---') ? pc.red(line) : line))
    .join('\n');
}
