/**
 * Sealed session ids: what a replica needs to take over a 2025-era gateway session it has never seen (the customer,
 * the client's `initialize` parameters, when it began), carried in the `Mcp-Session-Id` itself, encrypted and
 * authenticated with a key every replica shares (`AGENT_SESSION_SECRET`). No store, no sticky routing: any replica
 * opens the id, checks it belongs to the customer in the path, and replays the handshake locally.
 *
 * Format: `s1.` + base64url(iv ‖ ciphertext ‖ tag), AES-256-GCM, 12-byte random iv, the key derived from the secret
 * with HKDF-SHA256 (so any string of enough entropy serves). The `s1` prefix is the associated data too, so a future
 * format cannot be confused with this one. Rotation: ids are sealed with the current secret and opened with it or
 * with the previous one (`AGENT_SESSION_SECRET_PREVIOUS`), so replicas can be rolled to a new secret one by one.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** What a sealed session id carries. */
export interface SealedSession {
  /** Customer id of the path the session was opened on. */
  customer: string;
  /** The client's `initialize` params (protocolVersion, capabilities, clientInfo), replayed on takeover. */
  initialize: Record<string, unknown>;
  /** When the session began, ms since the epoch. */
  issuedAt: number;
}

/** Bad session secret configuration (too short, unreadable file, both variable and file set). */
export class SessionSecretError extends Error {}

/** Shortest secret accepted, characters: below this a secret is guessable offline from one session id. */
export const MIN_SECRET_LENGTH = 32;
/** Longest `initialize` params sealed into an id, bytes of JSON (a header must stay a header). */
export const MAX_SEALED_INIT_BYTES = 4096;

const PREFIX = 's1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_INFO = 'mcpfleet gateway session v1';

/** A session id as logs and audit lines show it: 8 characters that identify it without being it (past a sealed id's prefix). */
export function sessionLabel(id: string): string {
  return (id.startsWith(PREFIX) ? id.slice(PREFIX.length) : id).slice(0, 8);
}

/** Seals and opens session ids with the current key; opens with the previous one too. */
export class SessionSeal {
  private readonly keys: Buffer[];

  /** `secrets[0]` seals; every one of them opens. */
  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new SessionSecretError('no session secret given');
    this.keys = secrets.map((secret, i) => {
      if (secret.length < MIN_SECRET_LENGTH) {
        throw new SessionSecretError(`${i === 0 ? 'AGENT_SESSION_SECRET' : 'AGENT_SESSION_SECRET_PREVIOUS'} is ${secret.length} characters; use at least ${MIN_SECRET_LENGTH} (e.g. openssl rand -base64 48)`);
      }
      return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), HKDF_INFO, 32));
    });
  }

  /** A session id carrying `session`; undefined when its `initialize` params are too large to carry. */
  seal(session: SealedSession): string | undefined {
    const plain = Buffer.from(JSON.stringify({ c: session.customer, i: session.initialize, t: session.issuedAt }));
    if (plain.length > MAX_SEALED_INIT_BYTES) return undefined;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!, iv);
    cipher.setAAD(Buffer.from(PREFIX));
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return PREFIX + sealed.toString('base64url');
  }

  /** The session an id carries, or undefined for anything this seal did not make (or that was altered). */
  open(id: string): SealedSession | undefined {
    if (!id.startsWith(PREFIX) || id.length > 2 * MAX_SEALED_INIT_BYTES) return undefined;
    const raw = Buffer.from(id.slice(PREFIX.length), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES + 2) return undefined;
    const iv = raw.subarray(0, IV_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const body = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(Buffer.from(PREFIX));
        decipher.setAuthTag(tag);
        const parsed = JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')) as { c?: unknown; i?: unknown; t?: unknown };
        if (typeof parsed.c !== 'string' || typeof parsed.t !== 'number' || typeof parsed.i !== 'object' || parsed.i === null) return undefined;
        return { customer: parsed.c, initialize: parsed.i as Record<string, unknown>, issuedAt: parsed.t };
      } catch {
        // not this key (or tampered): try the next
      }
    }
    return undefined;
  }
}

/**
 * The session secrets of an environment, current first: `AGENT_SESSION_SECRET` (or the file `AGENT_SESSION_SECRET_FILE`
 * names), then `AGENT_SESSION_SECRET_PREVIOUS` (or `…_PREVIOUS_FILE`); empty when none is configured (one replica,
 * sessions in memory as before). Throws {@link SessionSecretError} for a half or unreadable configuration.
 */
export function sessionSecretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  const current = secretFrom(env, 'AGENT_SESSION_SECRET');
  const previous = secretFrom(env, 'AGENT_SESSION_SECRET_PREVIOUS');
  if (current === undefined) {
    if (previous !== undefined) throw new SessionSecretError('AGENT_SESSION_SECRET_PREVIOUS is set but AGENT_SESSION_SECRET is not; set the new secret as AGENT_SESSION_SECRET');
    return [];
  }
  return previous === undefined ? [current] : [current, previous];
}

/** `NAME` or the contents of the file `NAME_FILE` (trailing newline dropped); both set is an error. */
function secretFrom(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct && file) throw new SessionSecretError(`both ${name} and ${name}_FILE are set; set one`);
  if (direct) return direct;
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new SessionSecretError(`${name}_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
