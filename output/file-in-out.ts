/**
 * A generated file that out/ is known to hold already: a customer's Kubernetes or Swarm file whose cached part hash
 * matches the out/ file, with the file's stamp (cache/file-stamp.ts) unchanged since that was established. Its content
 * is read only when someone asks for it; planning a run sees from the stamp that the file stays as it is, and
 * remembering the run takes the hash it already has. At 1,000 customers a one-customer run no longer reads the 2,000
 * files of the customers it did not change (~0.25 s).
 *
 * The proof travels with the file under a symbol, which object spread and property descriptors copy along.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hashOf } from '../cache/code-fingerprint.ts';
import { fileStamp } from '../cache/file-stamp.ts';
import type { GeneratedFile } from '../generators/generator.ts';

/**
 * Where a file's proof is kept on it: a registered symbol, the same in the compiled pipeline and in the sources a CLI
 * imports itself (output/run-memo.ts).
 */
export const IN_OUT = Symbol.for('mcpfleet.inOut');

/** The out/ file (absolute) that holds the content whose hash is `hash`, as long as it keeps `stamp`. */
export interface InOut {
  file: string;
  stamp: string;
  hash: string;
}

type FileWithProof = GeneratedFile & { [IN_OUT]?: InOut };

/** The proof `file` carries (good or not any more): its content may not have been read. */
export const proofOf = (file: GeneratedFile): InOut | undefined => (file as FileWithProof)[IN_OUT];

/** True when `file` carries a proof (good or not any more): its content may not have been read. */
export const hasProof = (file: GeneratedFile): boolean => proofOf(file) !== undefined;

/** A file (path relative to out/) whose content is `proof.file`'s, read when first asked for and checked against the hash. */
export function fileInOut(relativePath: string, proof: InOut): GeneratedFile {
  let content: string | undefined;
  const file: FileWithProof = {
    path: relativePath,
    get content(): string {
      if (content === undefined) {
        const text = readFileSync(proof.file, 'utf8');
        if (hashOf(text) !== proof.hash) throw new Error(`${proof.file} was written while mcpfleet was generating; run it again`);
        content = text;
      }
      return content;
    },
    [IN_OUT]: proof,
  };
  return file;
}

/** `file` (its content already in memory) with `proof` that out/ holds that content. */
export function withProof(file: GeneratedFile, proof: InOut): GeneratedFile {
  return Object.assign(file, { [IN_OUT]: proof });
}

/** The proof `file` carries, when it is still good for `outDir`: the file there is the one proven and keeps its stamp. */
export function stillInOut(file: GeneratedFile, outDir: string): InOut | undefined {
  const proof = proofOf(file);
  if (!proof || proof.file !== path.resolve(outDir, file.path)) return undefined;
  return fileStamp(proof.file) === proof.stamp ? proof : undefined;
}

/** Hashes already taken, by file object: a run hashes a fleet-wide file to plan it and again to remember it. */
const hashes = new WeakMap<GeneratedFile, string>();

/** The hash of `file`'s content, from its proof when it has one (without reading it); each file is hashed once. */
export function contentHash(file: GeneratedFile): string {
  const known = proofOf(file)?.hash ?? hashes.get(file);
  if (known !== undefined) return known;
  const hash = hashOf(file.content);
  hashes.set(file, hash);
  return hash;
}
