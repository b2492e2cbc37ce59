/** Where a fleet's inputs and outputs live. Light on purpose: the CLIs read it before they load anything heavy. */
import path from 'node:path';

/** Where the inputs live; all paths absolute. */
export interface FleetPaths {
  /** Repo root: file names in messages are relative to it. */
  root: string;
  customersDir: string;
  configFile: string;
  outDir: string;
}

/** The default layout of a repo rooted at `root`. */
export function defaultPaths(root: string): FleetPaths {
  return {
    root,
    customersDir: path.join(root, 'customers'),
    configFile: path.join(root, 'fleet.config.ts'),
    outDir: path.join(root, 'out'),
  };
}

/** Port allocation file inside out/: generated, committed, and read back so ports stay stable. */
export const PORTS_LOCK_FILE = 'ports.lock.json';
