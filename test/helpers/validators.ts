/** Validators for generated files: the published Compose spec and the schemas we emit. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';
import { REPO_ROOT } from './fleet-repo.ts';

const addFormats = addFormatsModule as unknown as FormatsPlugin;

// The spec names its draft as "https://json-schema.org/draft-07/schema" (no "#"), which ajv does not know by that id.
const { $schema: _draft07, ...composeSpec } = JSON.parse(readFileSync(path.join(REPO_ROOT, '../shared/schemas/compose-spec.json'), 'utf8'));
const composeAjv = new Ajv({ allErrors: true, strict: false });
addFormats(composeAjv);
/** Validates a parsed compose document against the Compose Specification (draft-07). */
export const validateComposeSpec = composeAjv.compile(composeSpec);

/** Compiles one of our emitted JSON Schemas (draft 2020-12). */
export function compile2020(schema: object) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

/**
 * Runs Debian's docker-compose `config` on a compose document; returns its exit code and output. `out` holds more
 * generated files by their path under out/ (an override file, a file it mounts); `overrides` names those given
 * to compose as further `-f` files.
 */
export function dockerComposeConfig(
  content: string,
  env: Record<string, string>,
  args: string[] = ['-q'],
  { out = {}, overrides = [] }: { out?: Record<string, string>; overrides?: string[] } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  // Laid out like the repo (out/ beside images/), because compose checks that build contexts exist.
  const dir = mkdtempSync(path.join(tmpdir(), 'mcpfleet-compose-'));
  mkdirSync(path.join(dir, 'out'));
  symlinkSync(path.join(REPO_ROOT, 'images'), path.join(dir, 'images'));
  const file = path.join(dir, 'out', 'docker-compose.mcps.yml');
  writeFileSync(file, content);
  for (const [relative, text] of Object.entries(out)) {
    mkdirSync(path.dirname(path.join(dir, 'out', relative)), { recursive: true });
    writeFileSync(path.join(dir, 'out', relative), text);
  }
  const files = [file, ...overrides.map((relative) => path.join(dir, 'out', relative))].flatMap((f) => ['-f', f]);
  return new Promise((resolve) => {
    execFile('docker-compose', [...files, 'config', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}
