/** A stack document as text: the generated-file marker and how to deploy it as comments, then the YAML. */
import { toComposeYaml } from '../compose.ts';
import { GENERATED_MARKER } from '../generator.ts';

/**
 * Same YAML conventions as the compose file (every string double-quoted, one line per value), so the docker CLI,
 * YAML 1.1 and 1.2 readers see the same values and a diff shows one changed line.
 */
export function renderStack(about: string[], document: Record<string, unknown>): string {
  return `${[GENERATED_MARKER, ...about].map((line) => `# ${line}`).join('\n')}\n\n${toComposeYaml(document)}`;
}
