/** Registers tsx for this thread's imports from now on (once). */
export function useTypeScript(): Promise<void>;
/** Resolves each URL in `redirects` to the file it maps to (redirect-hook.mjs), once, after tsx. */
export function redirectAfterTypeScript(redirects: Record<string, string>): void;
