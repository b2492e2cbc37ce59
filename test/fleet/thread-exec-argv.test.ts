import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { threadExecArgv } from '../../fleet/module-loader/thread-exec-argv.ts';

describe('threadExecArgv', () => {
  it("drops tsx's preloads, as the tsx CLI passes them, and keeps every other flag", () => {
    const underTsx = [
      '--max-old-space-size=2048',
      '--require',
      '/repo/node_modules/.pnpm/tsx@4.23.15/node_modules/tsx/dist/preflight.cjs',
      '--import',
      'file:///repo/node_modules/.pnpm/tsx@4.23.15/node_modules/tsx/dist/loader.mjs',
      '--conditions=development',
    ];
    expect(threadExecArgv(underTsx)).toEqual(['--max-old-space-size=2048', '--conditions=development']);
  });

  it('drops `--import tsx` and the `=` forms, and keeps preloads of other packages', () => {
    expect(threadExecArgv(['--import', 'tsx', '--import=tsx/esm', '-r', './setup.cjs', '--require=/x/node_modules/tsx/dist/preflight.cjs', '--import', 'tsxlike'])).toEqual([
      '-r',
      './setup.cjs',
      '--import',
      'tsxlike',
    ]);
  });

  it('gives a thread that starts without tsx loaded: the preload does not run in it', async () => {
    // This test file runs under vitest, not tsx; a preload of our own stands in for tsx's, in a path the rule matches.
    const preload = new URL('./fixtures/tsx/preload.mjs', import.meta.url).pathname;
    const source = "import { parentPort } from 'node:worker_threads'; parentPort.postMessage(globalThis.__preloaded === true);";
    const run = (execArgv: string[]) =>
      new Promise<boolean>((resolve, reject) => {
        const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), { execArgv });
        worker.once('message', (preloaded: boolean) => void worker.terminate().then(() => resolve(preloaded)));
        worker.once('error', reject);
      });
    expect(await run(['--import', preload])).toBe(true);
    expect(await run(threadExecArgv(['--import', preload]))).toBe(false);
  });
});
