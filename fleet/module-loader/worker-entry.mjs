// The loader thread's entry. Compiled (cache/compiled-code.ts), its code starts without tsx, which it registers only
// for a file it does not bundle (bundled-import.ts). From its sources, it needs tsx first: worker threads do not
// inherit tsx's loader from the parent (Node 20).
import { workerData } from 'node:worker_threads';
import { useTypeScript } from './typescript-hooks.mjs';

const compiled = workerData?.compiledThread;
if (compiled) await import(compiled);
else {
  await useTypeScript();
  await import('./worker.ts');
}
