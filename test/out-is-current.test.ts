import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './helpers/fleet-repo.ts';

describe('the committed out/', () => {
  it('is exactly what customers/ generate (pnpm generate --check)', async () => {
    const result = await runCli('generate', ['--root', REPO_ROOT, '--check']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('out/ is up to date');
    expect(result.code).toBe(0);
  });
});
