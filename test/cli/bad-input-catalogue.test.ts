/**
 * The catalogue of bad inputs, run the way a user meets it: one `pnpm generate` over a repo holding every broken
 * file at once. Every problem line must name the file, the field path and the fix; the run exits 1, prints no stack
 * trace and no planted secret, and leaves out/ byte-identical.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetRepo, REPO_ROOT, segurcaixa, type CliResult } from '../helpers/fleet-repo.ts';
import { catalogue, IGNORED_FILES, PLANTED_SECRETS } from './bad-input-catalogue.ts';

const SCHEMA_INDEX = path.join(REPO_ROOT, 'schema/index.ts');
const LINE = /^ {2}(\S+?)(?: › (\S+))?: (.+)$/;

let repo: FleetRepo;
let before: Record<string, string>;
let run: CliResult;
let lines: Array<{ file: string; path: string; message: string }>;

beforeAll(async () => {
  repo = new FleetRepo().addCustomer('segurcaixa', segurcaixa);
  // Customer repos are ES modules (top-level await is only legal there).
  writeFileSync(path.join(repo.root, 'package.json'), '{ "type": "module" }\n');
  expect((await repo.run('generate')).code).toBe(0);
  before = repo.snapshotOut();
  for (const input of catalogue) {
    for (const [file, source] of Object.entries(input.files)) {
      mkdirSync(path.dirname(path.join(repo.root, file)), { recursive: true });
      writeFileSync(path.join(repo.root, file), source.replaceAll('{{schema}}', SCHEMA_INDEX));
    }
  }
  for (const [file, source] of Object.entries(IGNORED_FILES)) writeFileSync(path.join(repo.root, file), source);
  // 2 s: long enough for a good file on a busy CI machine, short enough for the hanging ones.
  run = await repo.run('generate', ['--load-timeout', '2']);
  lines = run.stderr
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => {
      const match = LINE.exec(line);
      if (!match) throw new Error(`not a problem line: ${JSON.stringify(line)}`);
      return { file: match[1]!, path: match[2] ?? '', message: match[3]! };
    });
}, 120_000);
afterAll(() => repo?.dispose());

describe(`bad-input catalogue: ${catalogue.length} bad inputs in one pnpm generate run`, () => {
  it('exits 1, writes nothing, and says how many problems it found', () => {
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')[0]).toBe(`${lines.length} problems found; nothing was written:`);
    expect(repo.snapshotOut()).toEqual(before);
  });

  it.each(catalogue.map((input) => [input.title, input] as const))('%s', (_title, input) => {
    for (const expected of input.expect) {
      const found = lines.filter((line) => line.file === expected.file && line.path === expected.path);
      expect(found.map((f) => f.message), `${expected.file} › ${expected.path}`).toEqual(expect.arrayContaining([expect.stringContaining(expected.fix)]));
    }
  });

  it('prints only the expected problems: one line per expected problem, none for files that are not customers', () => {
    const expected = catalogue.flatMap((input) => input.expect.map((e) => `${e.file} › ${e.path}`)).sort();
    expect(lines.map((line) => `${line.file} › ${line.path}`).sort()).toEqual(expected);
    for (const ignored of Object.keys(IGNORED_FILES)) expect(run.stderr).not.toContain(ignored);
  });

  it('every line says what to do, and none carries a stack trace or a planted secret', () => {
    for (const line of lines) {
      expect(line.message, line.message).toMatch(/\b(use|add|remove|rename|put|fix|choose|give|name|shorten|must|expected|did you mean|end the file|raise)\b/i);
      expect(line.message).not.toMatch(/\n|\bat .+:\d+:\d+\)/);
    }
    for (const secret of Object.values(PLANTED_SECRETS)) expect(run.stderr + run.stdout).not.toContain(secret);
  });
});
