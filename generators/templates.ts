import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';

const templatesDir = new URL('../templates/', import.meta.url);

/**
 * Compiles a template from templates/ for non-HTML output (no HTML escaping; unknown fields throw).
 * Templates ship with the code, so reading them at load time keeps generators pure.
 */
export function compileTemplate<T>(fileName: string): (context: T) => string {
  const handlebars = Handlebars.create();
  handlebars.registerHelper('json', (value: unknown) => JSON.stringify(value));
  return handlebars.compile<T>(readFileSync(new URL(fileName, templatesDir), 'utf8'), { noEscape: true, strict: true });
}
