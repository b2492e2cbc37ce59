/**
 * Fleet-wide settings (`fleet.config.ts`): image and resource overrides per type, the host port range.
 * Every field has a default, so an empty config is valid.
 */
import { z } from 'zod';
import { mcpTypeNames } from '../mcp-types/index.ts';

const port = z.int().min(1024).max(65535);

const resourcesOverride = z.strictObject({
  cpus: z.string().regex(/^\d+(\.\d+)?$/, { message: 'must be a number of cores such as "0.5"' }).optional(),
  memory: z.string().regex(/^\d+[KMG]$/, { message: 'must be a size such as "256M" or "1G"' }).optional(),
});

const typeOverride = z.strictObject({
  image: z.string().min(1).optional().describe('Image to run instead of the catalog default.'),
  args: z.array(z.string()).optional().describe('Container arguments instead of the catalog default.'),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional().describe('Extra literal environment.'),
  resources: resourcesOverride.optional(),
});

export const fleetConfigSchema = z
  .strictObject({
    ports: z
      .strictObject({
        base: port.default(20000).describe('First host port handed out.'),
        max: port.default(29999).describe('Last host port handed out.'),
      })
      .default({ base: 20000, max: 29999 })
      .refine((p) => p.base <= p.max, 'base must not be greater than max'),
    imageRegistry: z
      .string()
      .regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, { message: 'must be a registry host with an optional path, e.g. registry.example.com/mirror' })
      .optional()
      .describe('Pull every image through this registry (mirror) instead of its public one.'),
    resources: resourcesOverride.optional().describe('Default limits for every server, below per-type overrides.'),
    types: z.partialRecord(z.enum(mcpTypeNames), typeOverride).default({}).describe('Per-type overrides.'),
  })
  .default({ ports: { base: 20000, max: 29999 }, types: {} });

export type FleetConfigInput = z.input<typeof fleetConfigSchema>;
export type FleetConfig = z.output<typeof fleetConfigSchema>;

/** Typed identity for `fleet.config.ts`. */
export function defineFleetConfig(config: FleetConfigInput): FleetConfigInput {
  return config;
}
