// Types of local-images.mjs for the TypeScript tests (the scripts are plain JS).
export declare const REPO_ROOT: string;
export declare const HEALTH_SCRIPT: string;
export declare const LOCAL_IMAGES: {
  readonly debian: string;
  readonly node: string;
  readonly alertmanagerMcp: string;
  readonly prometheusMcp: string;
  readonly grafanaMcp: string;
  readonly genesysMcp: string;
  readonly agent: string;
  readonly haproxy: string;
  readonly alertmanager: string;
};
export type Recipe = keyof typeof LOCAL_IMAGES;
export declare const STAND_INS: { repository: string; recipe: Recipe; what: string }[];
export declare const PROVIDES: Record<Recipe, string[]>;
export declare function imageRepository(image: string): string;
export declare function standInFor(image: string): { repository: string; recipe: Recipe; what: string } | undefined;
export declare function imageExists(tag: string): boolean;
export declare function cacheDir(): string;
export declare function buildLocalImages(
  names: Recipe[],
  options?: { root?: string; log?: (line: string) => void; rebuild?: boolean },
): { recipe: Recipe; tag: string; action: 'built' | 'cached'; seconds: number }[];
export declare const localDirFor: (outDir: string) => string;
export declare const MANIFEST: string;
export declare const composeOverrideFile: (localDir: string, composeFile: string) => string;
export declare const swarmOverrideFile: (localDir: string, stackFile: string) => string;
export interface OverrideEntry {
  service: string;
  customer: string;
  image: string;
  local: string | undefined;
  healthcheck: 'kept' | 'replaced' | 'added' | 'disabled' | 'none';
  note: string | undefined;
}
export declare function overrideServices(document: unknown, present: (image: string) => boolean): { services: Record<string, object>; entries: OverrideEntry[] };
export declare function overrideText(document: unknown, baseFile: string, present: (image: string) => boolean, options?: { stack?: boolean }): { text: string; entries: OverrideEntry[] };
export declare function localImageTags(): Set<string>;
export declare function writeOverride(baseFile: string, overrideFile: string, present: (image: string) => boolean, options?: { stack?: boolean }): { file: string; changed: boolean; entries: OverrideEntry[] };
