// A module resolve hook for the loader thread: a URL it is given (the schema's) resolves to another file (its compiled
// module, see cache/compiled-code.ts). Registered after tsx, so it sees what tsx resolved.
let redirects = {};

export function initialize(data) {
  redirects = data;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const to = Object.hasOwn(redirects, resolved.url) ? redirects[resolved.url] : undefined;
  return to ? { ...resolved, url: to, format: 'module' } : resolved;
}
