/**
 * Reading and checking JSON request bodies: a hard size limit (1 MiB by default, enforced on the declared length and
 * on the bytes actually received), a JSON content type, valid JSON, and small shape checks with clear messages.
 */
import type { IncomingMessage } from 'node:http';

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * A body declared too large, yet no larger than this, is read and dropped before the connection is reused, instead of
 * closing it: a client still sending its body when the connection closes sees a reset (EPIPE) instead of the 413.
 * Anything larger is answered and the connection closed, so nobody uploads gigabytes only to be refused.
 */
const DRAINED_BODY_BYTES = 16 * 1024 * 1024;

/** A request problem that maps to a 4xx response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Close the connection after answering (the body was not fully read). */
    readonly closeConnection = false,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Refuses malformed UTF-8 instead of replacing it; reusable, as nothing is decoded in streaming mode. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the body and parses it as JSON. An empty body yields `undefined`. Throws {@link HttpError}: 413 when larger
 * than `limit`, 415 for a non-JSON content type, 400 for invalid JSON or bad encoding.
 */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && (!/^\d+$/.test(declared) || Number(declared) > limit)) {
    req.resume();
    if (!/^\d+$/.test(declared)) throw new HttpError(400, 'bad_request', 'invalid Content-Length header', true);
    throw new HttpError(413, 'body_too_large', `request body is ${declared} bytes; the limit is ${limit} bytes (1 MiB)`, Number(declared) > DRAINED_BODY_BYTES);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  await new Promise<void>((resolve, reject) => {
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        resolve();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve());
    req.on('error', (error) => reject(error));
    req.on('aborted', () => reject(new HttpError(400, 'bad_request', 'request aborted')));
  });
  if (tooLarge) throw new HttpError(413, 'body_too_large', `request body exceeds the limit of ${limit} bytes (1 MiB)`, true);
  if (size === 0) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new HttpError(415, 'unsupported_media_type', `Content-Type must be application/json (got ${type ? JSON.stringify(type.slice(0, 60)) : 'none'})`);
  }
  let text: string;
  try {
    text = STRICT_UTF8.decode(Buffer.concat(chunks, size));
  } catch {
    throw new HttpError(400, 'bad_request', 'request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'invalid_json', `request body is not valid JSON: ${(error as Error).message.slice(0, 120)}`);
  }
}

/** A request header's value; the first one when it was sent more than once. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Describes a JSON value's type for error messages. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Requires a JSON object body. */
export function requireObject(body: unknown, example: string): Record<string, unknown> {
  if (body === undefined) throw new HttpError(400, 'bad_request', `request body is required, e.g. ${example}`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'bad_request', `request body must be a JSON object, e.g. ${example} (got ${jsonType(body)})`);
  }
  return body as Record<string, unknown>;
}

/** Requires `body[field]` to be a non-empty string of at most `max` characters. */
export function requireString(body: Record<string, unknown>, field: string, max = 256): string {
  const value = body[field];
  if (value === undefined) throw new HttpError(400, 'bad_request', `field "${field}" is required`);
  if (typeof value !== 'string') throw new HttpError(400, 'bad_request', `field "${field}" must be a string (got ${jsonType(value)})`);
  if (!value.trim()) throw new HttpError(400, 'bad_request', `field "${field}" must not be empty`);
  if (value.length > max) throw new HttpError(400, 'bad_request', `field "${field}" is longer than ${max} characters`);
  return value;
}

/** Deepest nesting accepted in tool-call arguments (`{}` is depth 1, `{"a": {}}` depth 2). */
export const MAX_ARGUMENT_DEPTH = 64;

/**
 * Is `value` (parsed JSON) nested deeper than `limit` objects/arrays? Iterative, with an explicit stack, and stops at
 * the first path deeper than the limit: the point is to refuse inputs whose *recursive* handling further on (the
 * `JSON.stringify` that re-sends arguments upstream overflows the stack at about 5,000 levels) would crash, so this
 * check must not recurse itself. Cost is bounded by the number of values, which the body size limit bounds.
 */
export function exceedsDepth(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (depth > limit) return true;
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}
