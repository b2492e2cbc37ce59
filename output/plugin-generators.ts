/**
 * The generators of a run: the built-in ones, then those of the fleet's plugins. A plugin generator is planned,
 * checked, diffed and cleaned like the others; what it does wrong (throws, returns something that is not files,
 * writes a file another generator writes) is a problem naming the plugin, not a crash.
 */
import { pluginsOf } from '../fleet/plugins.ts';
import type { Fleet } from '../fleet/model.ts';
import { FleetProblems, type Problem } from '../fleet/problem.ts';
import type { GeneratedFile, Generator } from '../generators/generator.ts';

/** `builtins` followed by the generators of `fleet`'s plugins. */
export function generatorsFor(fleet: Fleet, builtins: readonly Generator[]): Generator[] {
  return [...builtins, ...pluginsOf(fleet).generators.map(({ plugin, file, at, generator }) => guarded(generator, (message) => ({ file, path: at, message: `plugin "${plugin}": generator "${generator.name}" ${message}; fix the plugin` })))];
}

/**
 * A plugin's generator that runs whole (a plugin's code is not in the cache's code fingerprint, so its parts are
 * never cached) and turns its failures into problems.
 */
function guarded(generator: Generator, problem: (message: string) => Problem): Generator {
  const { incremental: _incremental, generateInParallel: _parallel, ...rest } = generator;
  return {
    ...rest,
    generate(fleet) {
      let files: unknown;
      try {
        files = generator.generate(fleet);
      } catch (error) {
        throw new FleetProblems([problem(`failed: ${((error as Error).message ?? String(error)).split('\n')[0]}`)]);
      }
      if (!Array.isArray(files) || !files.every(isGeneratedFile)) {
        throw new FleetProblems([problem('must return an array of { path, content } with string path and content (a Promise is not supported)')]);
      }
      return files;
    },
  };
}

const isGeneratedFile = (file: unknown): file is GeneratedFile =>
  typeof file === 'object' && file !== null && typeof (file as GeneratedFile).path === 'string' && typeof (file as GeneratedFile).content === 'string';

/** Problems for files two generators both write, or a path that leaves out/. */
export function outputClashes(outputs: ReadonlyMap<string, GeneratedFile[]>, registry: readonly Generator[], fleet: Fleet): Problem[] {
  const owners = new Map(pluginsOf(fleet).generators.map((g) => [g.generator.name, g]));
  const problems: Problem[] = [];
  const writer = new Map<string, string>();
  for (const generator of registry) {
    for (const file of outputs.get(generator.name) ?? []) {
      const plugin = owners.get(generator.name);
      const where = plugin ? { file: plugin.file, path: plugin.at, who: `plugin "${plugin.plugin}": generator "${generator.name}"` } : undefined;
      const normalized = file.path.split('/').filter((part) => part !== '' && part !== '.');
      if (file.path.startsWith('/') || normalized.includes('..') || normalized.length === 0) {
        if (where) problems.push({ file: where.file, path: where.path, message: `${where.who} writes "${file.path}", outside out/; paths are relative to out/, e.g. cmdb/export.csv` });
        continue;
      }
      const first = writer.get(file.path);
      if (first !== undefined && where) problems.push({ file: where.file, path: where.path, message: `${where.who} writes out/${file.path}, which generator "${first}" writes too; write under a folder of its own, e.g. ${generator.name}/` });
      else if (first === undefined) writer.set(file.path, generator.name);
    }
  }
  return problems;
}
