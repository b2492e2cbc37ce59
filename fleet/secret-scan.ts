/**
 * No secret value belongs in a customer file or the fleet config: whatever is written there reaches out/ and git.
 * Every string in what the modules exported is scanned with secretlint's recommended rules (AWS, GCP, GitHub,
 * Grafana, Slack, private keys, …; AWS access key ids too) — a maintained detector rather than patterns of our own.
 * A finding names the file, the field and the kind of secret, never the value.
 */
import { lintSource } from '@secretlint/core';
import { creator as recommendedRules } from '@secretlint/secretlint-rule-preset-recommend';
import { formatPath } from './problem.ts';
import type { SecretFinding } from './secret-finding.ts';

export type { SecretFinding } from './secret-finding.ts';
export { secretProblem } from './secret-finding.ts';


const RULES = [
  {
    id: '@secretlint/secretlint-rule-preset-recommend',
    rule: recommendedRules,
    // Off by default in the preset because an id alone grants nothing; here it is a credential where none may be.
    rules: [{ id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } }],
  },
];

/**
 * Every string of every value that secretlint takes for a secret. Runs on the loader thread, where secretlint's
 * ~0.4 s import overlaps with the CLI's start-up.
 */
export async function findSecrets(values: ReadonlyArray<{ index: number; value: unknown }>): Promise<SecretFinding[]> {
  // One document for all values, a string per line: one lint run instead of one per file (~1.5 ms each).
  const lines: Array<{ index: number; path: string }> = [];
  const text: string[] = [];
  for (const { index, value } of values) {
    for (const leaf of stringLeaves(value)) {
      const path = formatPath(leaf.path);
      lines.push({ index, path });
      text.push(`${path} = ${JSON.stringify(leaf.value)}`);
    }
  }
  if (text.length === 0) return [];
  const result = await lintSource({
    source: { content: text.join('\n'), filePath: 'customer-values.txt', ext: '.txt', contentType: 'text' },
    options: { config: { rules: RULES } },
  });
  const findings: SecretFinding[] = [];
  const reported = new Set<number>();
  for (const message of result.messages) {
    const line = message.loc.start.line - 1;
    const where = lines[line];
    if (!where || reported.has(line)) continue;
    reported.add(line);
    // secretlint's own message quotes the secret; only the kind of finding is kept.
    findings.push({ ...where, kind: kindOf(message.ruleId, message.messageId) });
  }
  return findings;
}


function kindOf(ruleId: string, messageId: string): string {
  return `${ruleId.replace('@secretlint/secretlint-rule-', '')}: ${messageId}`;
}

/** Every string in a value with its path; object keys are scanned as strings of their own path too. */
function stringLeaves(value: unknown, path: PropertyKey[] = [], seen = new Set<object>()): Array<{ path: PropertyKey[]; value: string }> {
  if (typeof value === 'string') return [{ path, value }];
  if (value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  return Object.entries(value).flatMap(([key, inner]) => {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    return [...(Array.isArray(value) ? [] : [{ path: at, value: key }]), ...stringLeaves(inner, at, seen)];
  });
}
