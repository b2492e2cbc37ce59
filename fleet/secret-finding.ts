/**
 * A secret found in what a module exported, and the problem it becomes: apart from the scanner (secret-scan.ts), which
 * loads secretlint, so that reporting a finding costs no such import.
 */
import type { Problem } from './problem.ts';

/** A string that looks like a secret: in which of the scanned values, at which field, and what secretlint took it for. */
export interface SecretFinding {
  /** Index of the value in the scanned list. */
  index: number;
  /** Field path inside that value, e.g. mcpServers[0].tenant. */
  path: string;
  /** The rule and message id, e.g. "slack: SLACK_TOKEN" — never the value. */
  kind: string;
}

/** The problem for a finding in `file`. */
export function secretProblem(file: string, finding: Pick<SecretFinding, 'path' | 'kind'>): Problem {
  return {
    file,
    path: finding.path,
    message: `holds what looks like a secret (${finding.kind}): a secret never goes in a customer file or the fleet config, it would be written into out/; put it in the credentials env file and name its variable here instead`,
  };
}
