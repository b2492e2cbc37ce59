/** Where a fleet's generation cache lives. Light on purpose: the CLIs read it before they load anything heavy. */
import path from 'node:path';
import { codeFingerprint } from './code-fingerprint.ts';

/** The cache folder inside a fleet repository (git-ignored). */
export const CACHE_DIR = '.mcpfleet-cache';

/** A cache folder and the code fingerprint its entries must have been made under to count. */
export interface CacheLocation {
  dir: string;
  fingerprint: string;
}

/** The cache of the fleet at `root`, under the fingerprint of the code running now. */
export function defaultCache(root: string): CacheLocation {
  return { dir: path.join(root, CACHE_DIR), fingerprint: codeFingerprint() };
}
