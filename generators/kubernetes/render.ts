/**
 * Manifests to text: one YAML document per object, keys sorted, no line folding, multi-line strings as
 * literal blocks, behind the generated-file header. Same objects, same bytes.
 */
import { GENERATED_MARKER } from '../generator.ts';
import { dumpBlockYaml } from './block-yaml.ts';

export type Manifest = Record<string, unknown>;

export function toYaml(value: unknown): string {
  // cdk8s already sorts every object's keys (ApiObject.toJson); sorting again costs ~15% of the dump.
  return dumpBlockYaml(value);
}

/** A file of manifests; `about` lines follow the marker as comments. */
export function renderManifests(about: string[], manifests: Manifest[]): string {
  return header(about) + manifests.map((m) => `---\n${toYaml(m)}`).join('');
}

export function header(about: string[]): string {
  return [GENERATED_MARKER, ...about].map((line) => (line ? `# ${line}\n` : '#\n')).join('');
}
