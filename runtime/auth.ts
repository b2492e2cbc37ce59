/**
 * Bearer-token check for the API (`AGENT_API_TOKEN`). The comparison is constant-time: both sides are hashed to
 * fixed-length digests and compared with `timingSafeEqual`, so neither content nor length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Checks `Authorization: Bearer <token>` against a configured token. */
export class BearerAuth {
  private readonly expected: Buffer;

  constructor(token: string) {
    if (!token) throw new RangeError('API token must not be empty');
    this.expected = digest(token);
  }

  /** Is the request's bearer token the configured one? */
  check(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return false;
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    const presented = digest(match?.[1] ?? '');
    // Always compare, even for a malformed header, so the time does not depend on it.
    return timingSafeEqual(presented, this.expected) && match !== null;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
