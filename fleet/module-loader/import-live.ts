/**
 * The fleet config imported on this thread, for its plugins: the loader thread already imported it under its time
 * limit and found it sound, but what crosses the thread boundary is data (functions become stand-ins), and a plugin's
 * types and generators are code. Only a config that lists plugins is imported again.
 */
import { pathToFileURL } from 'node:url';
import { moduleKey } from './module-key.ts';

/**
 * The default export of `file`, imported on this thread. The URL carries the module's key (its content and its local
 * imports), so a changed config is imported afresh in a long-running process; a plugin module it imports is cached by
 * Node until the process ends (docs/plugins.md: restart `generate --watch` after changing a plugin).
 */
export async function importLive(file: string, root: string): Promise<unknown> {
  const key = moduleKey(file, root) ?? String(Date.now());
  const module = (await import(`${pathToFileURL(file).href}?live=${key.slice(0, 16)}`)) as { default?: unknown };
  return module.default;
}

/** True when the config value (as the loader thread carried it) lists plugins. */
export function listsPlugins(config: unknown): boolean {
  const plugins = typeof config === 'object' && config !== null ? (config as { plugins?: unknown }).plugins : undefined;
  return Array.isArray(plugins) && plugins.length > 0;
}
