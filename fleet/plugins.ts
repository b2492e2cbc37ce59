/**
 * The plugins of a fleet, checked: the built-in one first, then those `fleet.config.ts` lists, each with its MCP types
 * and generators. Every problem names the plugin and its place in the config (`plugins[1].mcpTypes[0].type`).
 *
 * The Fleet model stays plain data (it is cloned to worker threads and hashed for caches); the live plugin objects
 * that made a fleet are kept beside it ({@link pluginsOf}).
 */
import { z } from 'zod';
import type { Generator } from '../generators/generator.ts';
import { builtinPlugin } from '../mcp-types/index.ts';
import type { McpType } from '../mcp-types/mcp-type.ts';
import { DNS_LABEL } from '../schema/fields.ts';
import type { FleetPlugin } from '../schema/plugin.ts';
import type { Fleet } from './model.ts';
import { problemsFromZod, type Problem } from './problem.ts';
import { ALL_PROFILE } from './profiles.ts';
import { objectKeysAt } from './schema-keys.ts';

/** A generator and the plugin it came from. */
export interface PluginGenerator {
  plugin: string;
  /** The fleet config file and where the generator is listed in it, e.g. `plugins[1].generators[0]`. */
  file: string;
  at: string;
  generator: Generator;
}

/** The checked plugins of a fleet. */
export interface FleetPlugins {
  /** Plugin names, the built-in one first. */
  names: string[];
  /** Every MCP type, the built-in ones first; the list the customer schema is made from. */
  mcpTypes: readonly McpType[];
  /** The plugin that defines each type. */
  typeOwner: ReadonlyMap<string, string>;
  /** Generators the plugins add (the built-in generators are not listed here). */
  generators: PluginGenerator[];
}

/** Names a plugin name, a type name or a generator name may not take. */
const RESERVED_TYPE_NAMES = new Set([ALL_PROFILE, 'agent']);

const builtinTypes = builtinPlugin.mcpTypes as unknown as readonly McpType[];

/** The plugins of a fleet whose config lists none. */
export const BUILTIN_PLUGINS: FleetPlugins = {
  names: [builtinPlugin.name],
  mcpTypes: builtinTypes,
  typeOwner: new Map(builtinTypes.map((type) => [type.type, builtinPlugin.name])),
  generators: [],
};

const isFunction = (value: unknown) => typeof value === 'function';
const fn = (what: string) => z.custom<(...args: never[]) => unknown>(isFunction, { message: `must be a function ${what}` });

/** A zod object schema, also one made by another copy of zod (a plugin from npm may bring its own). */
const isZodObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && typeof (value as { safeParse?: unknown }).safeParse === 'function' && (value as { _zod?: { def?: { type?: string } } })._zod?.def?.type === 'object';

const nameField = z
  .string()
  .max(40)
  .regex(DNS_LABEL, { message: 'must be a lowercase DNS label (a-z, 0-9, "-"), e.g. prometheus' });

/** What an MCP type must have (mcp-types/mcp-type.ts); the functions are checked for being functions. */
const mcpTypeShape = z.looseObject({
  type: nameField.max(20).describe('The type name customer files write in `type`.'),
  title: z.string().min(1),
  serverSchema: z.custom<z.ZodObject>(isZodObject, { message: 'must be a zod object schema (z.strictObject({ type: z.literal(…), … }))' }),
  image: z.string().min(1),
  buildContext: z.string().optional(),
  containerPort: z.int().min(1).max(65535),
  transport: z.literal('streamable-http'),
  path: z.string().startsWith('/', { message: 'must start with "/", e.g. /mcp' }),
  args: fn('(context) => string[] of container arguments'),
  env: fn('(server) => the container environment'),
  envNames: z.array(z.string()),
  runtimeConfig: fn('(server) => the config object written to mcp_servers.json'),
  resources: z.strictObject({ cpus: z.string(), memory: z.string() }),
  health: z.looseObject({ kubernetesProbe: z.enum(['http', 'tcp']) }),
});

const generatorShape = z.looseObject({
  name: nameField.describe('Names the output in `pnpm generate --only` and in diffs.'),
  description: z.string().min(1),
  generate: fn('(fleet) => the files to write under out/'),
});

const pluginShape = z.looseObject({
  name: z
    .string()
    .max(60)
    .regex(/^(@[a-z0-9-]+\/)?[a-z0-9][a-z0-9.-]*$/, { message: 'must be a lowercase package-style name, e.g. prometheus or @acme/cmdb-export' }),
  description: z.string().optional(),
  mcpTypes: z.array(z.unknown()).optional(),
  generators: z.array(z.unknown()).optional(),
});

/**
 * Checks the plugins `config.plugins` lists (the live objects, as the config module exports them) against each other
 * and the built-in ones. Generator names are also checked against `builtinGeneratorNames`.
 */
export function resolvePlugins(config: unknown, configFile: string, builtinGeneratorNames: readonly string[] = []): { plugins: FleetPlugins; problems: Problem[] } {
  const listed = typeof config === 'object' && config !== null ? (config as { plugins?: unknown }).plugins : undefined;
  if (!Array.isArray(listed) || listed.length === 0) return { plugins: BUILTIN_PLUGINS, problems: [] };

  const problems: Problem[] = [];
  const names = [...BUILTIN_PLUGINS.names];
  const mcpTypes = [...BUILTIN_PLUGINS.mcpTypes];
  const typeOwner = new Map(BUILTIN_PLUGINS.typeOwner);
  const generatorOwner = new Map(builtinGeneratorNames.map((name) => [name, `${builtinPlugin.name} (built in)`]));
  const generators: PluginGenerator[] = [];
  const shapeProblems = (schema: z.ZodType, value: unknown, at: string, who: string) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return false;
    for (const problem of problemsFromZod(configFile, parsed.error, (path, input) => objectKeysAt(schema, path, input), value)) {
      problems.push({ ...problem, path: problem.path ? `${at}.${problem.path}` : at, message: `${who}: ${problem.message}` });
    }
    return true;
  };

  listed.forEach((plugin: unknown, index) => {
    const at = `plugins[${index}]`;
    // Not an object: the fleet config schema says so.
    if (typeof plugin !== 'object' || plugin === null) return;
    const label = typeof (plugin as { name?: unknown }).name === 'string' ? `plugin "${(plugin as { name: string }).name}"` : `the plugin at ${at}`;
    if (shapeProblems(pluginShape, plugin, at, label)) return;
    const { name, mcpTypes: types = [], generators: outputs = [] } = plugin as FleetPlugin;
    if (names.includes(name)) {
      problems.push({ file: configFile, path: `${at}.name`, message: `${label} is listed twice (or shares its name with another plugin); list each plugin once` });
      return;
    }
    names.push(name);

    types.forEach((type: unknown, typeIndex) => {
      const typeAt = `${at}.mcpTypes[${typeIndex}]`;
      if (shapeProblems(mcpTypeShape, type, typeAt, label)) return;
      const mcpType = type as McpType;
      const owner = typeOwner.get(mcpType.type);
      if (owner !== undefined || RESERVED_TYPE_NAMES.has(mcpType.type)) {
        const by = owner === undefined ? 'reserved (compose profiles and the agent use it)' : `already defined by plugin "${owner}"${owner === builtinPlugin.name ? ' (built in)' : ''}`;
        problems.push({ file: configFile, path: `${typeAt}.type`, message: `${label}: MCP type "${mcpType.type}" is ${by}; give the plugin's type another name` });
        return;
      }
      const discriminator = literalOf(mcpType.serverSchema);
      if (discriminator !== mcpType.type) {
        problems.push({
          file: configFile,
          path: `${typeAt}.serverSchema`,
          message: `${label}: the server schema of MCP type "${mcpType.type}" must have type: z.literal('${mcpType.type}')${discriminator === undefined ? '' : ` (it has '${discriminator}')`}`,
        });
        return;
      }
      typeOwner.set(mcpType.type, name);
      mcpTypes.push(mcpType);
    });

    outputs.forEach((generator: unknown, generatorIndex) => {
      const generatorAt = `${at}.generators[${generatorIndex}]`;
      if (shapeProblems(generatorShape, generator, generatorAt, label)) return;
      const { name: output } = generator as Generator;
      const owner = generatorOwner.get(output);
      if (owner !== undefined) {
        problems.push({ file: configFile, path: `${generatorAt}.name`, message: `${label}: generator "${output}" is already defined by plugin "${owner}"; give the plugin's generator another name` });
        return;
      }
      generatorOwner.set(output, name);
      generators.push({ plugin: name, file: configFile, at: generatorAt, generator: generator as Generator });
    });
  });
  return { plugins: { names, mcpTypes, typeOwner, generators }, problems };
}

/** The literal value of the `type` field of a server schema, if it is one. */
function literalOf(schema: z.ZodObject): string | undefined {
  const field = (schema as unknown as { _zod: { def: { shape?: Record<string, { _zod?: { def?: { type?: string; values?: unknown[] } } }> } } })._zod.def.shape?.type;
  const def = field?._zod?.def;
  return def?.type === 'literal' && def.values?.length === 1 && typeof def.values[0] === 'string' ? def.values[0] : undefined;
}

const attached = new WeakMap<Fleet, FleetPlugins>();

/** Keeps the live plugins that made `fleet` beside it. */
export function attachPlugins(fleet: Fleet, plugins: FleetPlugins): Fleet {
  if (plugins !== BUILTIN_PLUGINS) attached.set(fleet, plugins);
  return fleet;
}

/** The plugins that made `fleet` (the built-in one alone for a fleet whose config lists none). */
export function pluginsOf(fleet: Fleet): FleetPlugins {
  return attached.get(fleet) ?? BUILTIN_PLUGINS;
}
