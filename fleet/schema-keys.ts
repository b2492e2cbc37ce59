import type { z } from 'zod';

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  shape?: Record<string, z.ZodType>;
  values?: unknown[];
  keyType?: z.ZodType;
  entries?: Record<string, unknown>;
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

/**
 * The keys the object schema at `path` accepts, following the input through arrays, wrappers and
 * discriminated unions (so a typo in a grafana server is compared with grafana's keys).
 */
export function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): string[] {
  let current: z.ZodType | undefined = schema;
  let value: unknown = input;
  let index = 0;
  while (current) {
    const def = defOf(current);
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe') current = def.in;
    else if (def.type === 'union' && def.options) current = pickOption(def, value);
    else if (index === path.length) return keysOf(def);
    else {
      const key = path[index++]!;
      value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
      if (def.type === 'object' && def.shape) current = def.shape[String(key)];
      else if (def.type === 'array') current = def.element;
      else if (def.type === 'record') current = def.valueType;
      else return [];
    }
  }
  return [];
}

/** An object's keys, or the keys a record with an enum key type takes (`types: { grafana, … }`). */
function keysOf(def: SchemaDef): string[] {
  if (def.type === 'object' && def.shape) return Object.keys(def.shape);
  const keyDef = def.type === 'record' && def.keyType ? defOf(def.keyType) : undefined;
  return keyDef?.type === 'enum' && keyDef.entries ? Object.keys(keyDef.entries) : [];
}

function pickOption(def: SchemaDef, value: unknown): z.ZodType | undefined {
  if (!def.discriminator) return undefined;
  const wanted = (value as Record<string, unknown> | undefined)?.[def.discriminator];
  return def.options?.find((option) => {
    const literal = defOf(option).shape?.[def.discriminator!];
    return literal !== undefined && (defOf(literal).values ?? []).includes(wanted);
  });
}
