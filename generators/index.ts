/** The generator registry: `pnpm generate` runs these in order; `--only` picks by name. */
import { composeGenerator } from './compose.ts';
import { envTemplateGenerator } from './env-template.ts';
import { gitopsGenerator } from './gitops/index.ts';
import type { Generator } from './generator.ts';
import { jsonSchemaGenerator } from './json-schema.ts';
import { kubernetesGenerator } from './kubernetes/index.ts';
import { monitoringGenerator } from './monitoring/index.ts';
import { portsLockGenerator } from './ports-lock.ts';
import { runtimeConfigGenerator } from './runtime-config.ts';
import { swarmGenerator } from './swarm/index.ts';

export const generators: Generator[] = [
  composeGenerator,
  envTemplateGenerator,
  runtimeConfigGenerator,
  jsonSchemaGenerator,
  kubernetesGenerator,
  gitopsGenerator,
  swarmGenerator,
  monitoringGenerator,
  portsLockGenerator,
];

export type { GeneratedFile, Generator } from './generator.ts';
export { GENERATED_MARKER } from './generator.ts';
