/**
 * The project's `engines.node` promises what its dependencies allow: every package in the lockfile accepts
 * every Node version the project says it runs on (semver subset), so no install on a supported Node warns.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { REPO_ROOT } from './helpers/fleet-repo.ts';

/**
 * Test-only packages that ask for more than the project's range, each with why that is harmless. Listing one
 * here is a decision a reviewer sees; anything else that narrows the range fails the test.
 */
const TOLERATED: Record<string, string> = {
  // Imported by mcp-proxy's CLI for its --tunnel option, which the tests never use; the stdio bridge tests run
  // mcp-proxy on the project's Node 20.
  pipenet: 'test-only (mcp-proxy --tunnel), runs on Node 20',
};

const project = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = YAML.parse(readFileSync(path.join(REPO_ROOT, 'pnpm-lock.yaml'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };

/** `@scope/name@1.2.3` → `@scope/name`. */
const nameOf = (key: string) => key.slice(0, key.lastIndexOf('@'));

describe('engines', () => {
  it('the project range is one semver understands, and the Node running the tests is in it', () => {
    expect(semver.validRange(project.engines.node)).not.toBeNull();
    expect(semver.satisfies(process.version, project.engines.node)).toBe(true);
  });

  it('every locked package accepts every Node version the project claims', () => {
    const narrower = Object.entries(lock.packages)
      .filter(([, info]) => info.engines?.node !== undefined)
      .filter(([key, info]) => !semver.subset(project.engines.node, info.engines!.node!, { includePrerelease: false }) && !(nameOf(key) in TOLERATED))
      .map(([key, info]) => `${key} wants node ${info.engines!.node}`);
    expect(narrower, `project engines.node is "${project.engines.node}"`).toEqual([]);
  });

  it('each tolerated package is still locked (a stale entry is removed)', () => {
    const locked = new Set(Object.keys(lock.packages).map(nameOf));
    for (const name of Object.keys(TOLERATED)) expect(locked.has(name), name).toBe(true);
  });
});
