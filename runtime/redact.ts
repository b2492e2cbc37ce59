/**
 * Keeping credential values out of API responses and logs.
 *
 * Two layers: exact known values (the runtime's own secret-looking environment variables and every variable named
 * by a `*_env` config entry) are replaced everywhere; error text from upstreams is additionally pattern-scrubbed
 * (bearer tokens, `key=value` credentials, URL user-info, long opaque tokens), flattened to one line and bounded.
 */

/** What replaces a credential. */
export const REDACTED = '[REDACTED]';

/** Environment variable names whose values are treated as credentials. */
export const SECRET_ENV_NAME = /TOKEN|SECRET|PASSW|PASSPHRASE|KEY|CREDENTIAL|AUTH|COOKIE|PRIVATE|SESSION/i;

/** Values shorter than this are not redacted by value (they would match ordinary words and numbers). */
export const MIN_SECRET_LENGTH = 8;

/** Longest reason string ever returned for an upstream error. */
export const MAX_REASON_LENGTH = 200;

const PATTERNS: Array<[RegExp, string | ((...m: string[]) => string)]> = [
  // Authorization headers and bearer/basic tokens.
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, (_m, scheme) => `${scheme} ${REDACTED}`],
  // user:password@ in URLs.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, (_m, scheme) => `${scheme}${REDACTED}@`],
  // key=value / key: value where the key names a credential.
  [
    /\b([A-Za-z0-9_.-]*(?:token|secret|passw(?:or)?d|passphrase|api[_-]?key|apikey|private[_-]?key|credential|authorization|cookie|client[_-]?secret)[A-Za-z0-9_.-]*)(["']?\s*[:=]\s*["']?)([^\s"',;&}]+)/gi,
    (_m, key, sep) => `${key}${sep}${REDACTED}`,
  ],
  // Long opaque tokens (letters and digits mixed, 32+ characters): API keys, JWT parts, hex secrets.
  [/\b(?=[A-Za-z0-9_+=-]*\d)(?=[A-Za-z0-9_+=-]*[A-Za-z])[A-Za-z0-9_+=-]{32,}/g, REDACTED],
];

/** Replaces known credential values; pattern-scrubs and bounds upstream error text. */
export class Redactor {
  private readonly values: string[];

  /** `values`: exact strings never to be emitted (shorter than {@link MIN_SECRET_LENGTH} are ignored). */
  constructor(values: Iterable<string> = []) {
    const set = new Set<string>();
    for (const value of values) {
      if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) {
        set.add(value);
        const escaped = JSON.stringify(value).slice(1, -1);
        if (escaped !== value) set.add(escaped);
      }
    }
    this.values = [...set].sort((a, b) => b.length - a.length);
  }

  /**
   * Collects credential values from an environment: variables whose name looks secret ({@link SECRET_ENV_NAME})
   * and the variables named in `names` (the config's `*_env` entries), plus `extra` values read elsewhere (secrets from
   * files).
   */
  static fromEnv(env: NodeJS.ProcessEnv, names: Iterable<string> = [], extra: Iterable<string> = []): Redactor {
    const wanted = new Set(names);
    const values: string[] = [...extra];
    for (const [name, value] of Object.entries(env)) {
      if (value && (wanted.has(name) || SECRET_ENV_NAME.test(name))) values.push(value);
    }
    return new Redactor(values);
  }

  /** Number of distinct values known (for diagnostics; never the values). */
  get size(): number {
    return this.values.length;
  }

  /** Replaces every known value (raw or JSON-escaped) in `text`. Safe on serialized JSON. */
  redact(text: string): string {
    let out = text;
    for (const value of this.values) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out;
  }

  /** Known values plus credential-looking patterns, without bounding (for tool error results). */
  scrub(text: string): string {
    let out = this.redact(text);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement as never);
    return out;
  }

  /** A one-line, bounded, scrubbed reason suitable for API responses and logs. */
  reason(text: string, max = MAX_REASON_LENGTH): string {
    const flat = this.scrub(text)
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  }
}
