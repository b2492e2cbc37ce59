/**
 * Two versions of a small real MCP server as local images, for the tool lock end-to-end tests: the toolbox
 * (toolbox-server.ts, bundled by esbuild) on the product's local Node base (`pnpm manage build --local`'s recipe).
 * Version 2 offers one tool more than version 1: `purgeItems`, annotated destructive. Tags carry the test run, so
 * parallel runs never share them, and the tests remove them by tag.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildLocalImages, LOCAL_IMAGES } from '../../scripts/lib/local-images.mjs';
import { REPO_ROOT } from '../helpers/fleet-repo.ts';
import { sh } from './docker-fixtures.ts';

/** The tool version 2 adds. */
export const NEW_TOOL = 'purgeItems';
/** The tools of version 1. */
export const V1_TOOLS = ['getStatus', 'listItems'];

/** Builds `mcpfleet-test/toolbox:1-<run>` and `:2-<run>`; returns their tags. */
export function buildToolboxImages(run: string): { v1: string; v2: string } {
  buildLocalImages(['node'], { root: REPO_ROOT });
  const dir = mkdtempSync(path.join(tmpdir(), 'mcpfleet-toolbox-'));
  try {
    sh(path.join(REPO_ROOT, 'node_modules/.bin/esbuild'), [
      path.join(REPO_ROOT, 'test/manage/toolbox-server.ts'),
      '--bundle',
      '--platform=node',
      '--target=node20',
      '--format=esm',
      '--log-level=warning',
      `--outfile=${path.join(dir, 'toolbox.mjs')}`,
      "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    ]);
    const tags = { v1: `mcpfleet-test/toolbox:1-${run}`, v2: `mcpfleet-test/toolbox:2-${run}` };
    for (const [version, tag] of [[1, tags.v1], [2, tags.v2]] as const) {
      writeFileSync(
        path.join(dir, `Dockerfile.${version}`),
        `FROM ${LOCAL_IMAGES.node}\nCOPY toolbox.mjs /app/toolbox.mjs\nENV TOOLBOX_VERSION=${version}\nEXPOSE 8000\nENTRYPOINT ["node", "/app/toolbox.mjs"]\n`,
      );
      sh('docker', ['build', '-q', '--label', `mcpfleet.test-run=${run}`, '-t', tag, '-f', path.join(dir, `Dockerfile.${version}`), dir]);
    }
    return tags;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Removes the images by tag (a tag still in use is left; the next run's tags differ anyway). */
export function removeToolboxImages(tags: { v1: string; v2: string } | undefined): void {
  if (!tags) return;
  try {
    sh('docker', ['rmi', tags.v1, tags.v2]);
  } catch {
    // in use by a container being removed, or already gone
  }
}
