/**
 * The Node flags a worker thread of ours starts with: the process's own, less tsx's preloads. A worker inherits
 * `process.execArgv`, and under the tsx CLI that is `--require …/tsx/dist/preflight.cjs --import …/tsx/dist/loader.mjs`:
 * each thread then loads tsx before its first line (~70 ms a thread, measured), though its entry registers tsx itself
 * when it needs it, or runs compiled code that needs none. Other flags (heap size, inspector, conditions) carry over.
 */
export function threadExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i]!;
    const equals = flag.indexOf('=');
    if (PRELOAD_FLAGS.has(flag) && isTsx(execArgv[i + 1])) i++;
    else if (!(equals > 0 && PRELOAD_FLAGS.has(flag.slice(0, equals)) && isTsx(flag.slice(equals + 1)))) kept.push(flag);
  }
  return kept;
}

const PRELOAD_FLAGS = new Set(['--require', '-r', '--import']);

/** A preload of tsx: its package name, or a path inside its package directory. */
function isTsx(specifier: string | undefined): boolean {
  return specifier !== undefined && (specifier === 'tsx' || specifier.startsWith('tsx/') || /[/\\]tsx[/\\]/.test(specifier));
}
