// tsx's loader for the loader thread, registered once however many ask: by worker-entry.mjs before it imports the
// thread's sources, or by the compiled thread (which needs no tsx to start) for the first file it imports through tsx.
// Plain JavaScript, outside the compiled bundle: both must share this module's one state.
import { register } from 'node:module';

let registering;
let redirected = false;

/**
 * Registers tsx for this thread's imports from now on (once; every caller waits for the same registration): its ESM
 * hooks, and its require() hook, which a `.ts` file outside a `"type": "module"` package loads through (Node treats
 * it as CommonJS). This is what the tsx CLI's preloads register, which our threads do not start with
 * (thread-exec-argv.ts).
 */
export function useTypeScript() {
  registering ??= Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => {
    esm.register();
    cjs.register();
  });
  return registering;
}

/**
 * Resolves each URL in `redirects` to the file it maps to (redirect-hook.mjs), once, after tsx: the hook then sees
 * what tsx resolved.
 */
export function redirectAfterTypeScript(redirects) {
  if (redirected || Object.keys(redirects).length === 0) return;
  redirected = true;
  register(new URL('./redirect-hook.mjs', import.meta.url), { data: redirects });
}
