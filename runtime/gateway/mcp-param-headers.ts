/**
 * `Mcp-Param-*` headers (MCP 2026-07-28, SEP-2243): a tool parameter whose input schema carries `x-mcp-header: "Name"`
 * is mirrored by the client into the header `Mcp-Param-Name`, so that proxies can route on it without reading the
 * body. A server must check the header against the body: present whenever the argument is, and equal to it — the
 * value as written, or Base64 between `=?base64?` and `?=` (strict: the standard alphabet with correct padding).
 * The SDK checks this only for tools registered on its high-level server; the gateway's tools are the upstreams', so
 * it checks them here, against the upstream tool's schema.
 */

const BASE64_WRAPPED = /^=\?base64\?(.*)\?=$/s;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The header's value as the argument it must equal, or undefined when its Base64 is not valid. */
function decodeHeaderValue(raw: string): string | undefined {
  const value = raw.trim();
  const wrapped = BASE64_WRAPPED.exec(value);
  if (!wrapped) return value;
  const encoded = wrapped[1]!;
  if (!STRICT_BASE64.test(encoded)) return undefined;
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/**
 * Why a tools/call's `Mcp-Param-*` headers do not match its arguments for a tool with `inputSchema`, or undefined when
 * they do (or the tool declares no such parameter). `header(name)` reads a request header, case-insensitively.
 */
export function paramHeaderProblem(inputSchema: unknown, args: Record<string, unknown>, header: (name: string) => string | undefined): string | undefined {
  const properties = (inputSchema as { properties?: Record<string, { 'x-mcp-header'?: unknown }> } | undefined)?.properties;
  if (!properties) return undefined;
  for (const [param, schema] of Object.entries(properties)) {
    const name = schema?.['x-mcp-header'];
    if (typeof name !== 'string' || !name) continue;
    const argument = args[param];
    const raw = header(`mcp-param-${name.toLowerCase()}`);
    if (argument === undefined || argument === null) {
      if (raw !== undefined) return `header Mcp-Param-${name} is set but argument "${param}" is not`;
      continue;
    }
    if (raw === undefined) return `header Mcp-Param-${name} is missing; it must mirror argument "${param}"`;
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) return `header Mcp-Param-${name} is not valid Base64 between =?base64? and ?=`;
    const expected = typeof argument === 'string' ? argument : JSON.stringify(argument);
    if (decoded !== expected) return `header Mcp-Param-${name} does not match argument "${param}"`;
  }
  return undefined;
}
