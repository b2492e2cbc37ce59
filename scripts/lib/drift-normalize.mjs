// `manage drift`: the shared vocabulary of both targets — how a value written in a compose or stack file and the
// value Docker reports for it are brought to one form before they are compared, and how one difference is recorded.
// Pure functions (no Docker); drift-compose.mjs and drift-swarm.mjs use them, test/manage/drift-compare.test.ts tests them.

/** A difference: field of one service, the running value (before) and the one out/ asks for (after), as shown. */
export const difference = (customer, service, field, before, after) => ({ customer, service, field, before, after });

/** What stands for a value that is not there, or one not shown because it may be a secret. */
export const ABSENT = '(absent)';
export const HIDDEN = '(set, value not shown)';

/**
 * An image reference in one form: docker.io/ and library/ dropped, `:latest` added when no tag, a digest
 * (`@sha256:…`, which Swarm appends when it resolves the tag) dropped.
 */
export function normalizeImage(image) {
  if (!image) return '';
  let ref = String(image).split('@')[0];
  ref = ref.replace(/^docker\.io\//, '').replace(/^index\.docker\.io\//, '').replace(/^library\//, '');
  const lastSlash = ref.lastIndexOf('/');
  if (ref.lastIndexOf(':') <= lastSlash) ref = `${ref}:latest`;
  return ref;
}

/**
 * Whether a compose/stack value is interpolated from the environment at deploy time (`${VAR}`, `${VAR:?…}`,
 * `${VAR:-}`, `$VAR`); `$$` is an escaped dollar, not an interpolation. Such a value is a credential for drift: only
 * its presence is compared, and neither its value nor the running one is ever shown.
 */
export function isInterpolated(value) {
  return /(?:^|[^$])(?:\$\$)*\$(?:\{|[A-Za-z_])/.test(String(value));
}

/** The variables a value interpolates. */
export function interpolatedVariables(value) {
  return [...String(value).matchAll(/(?:^|[^$])(?:\$\$)*\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
}

/** A literal compose/stack value as the container sees it: `$$` → `$`. */
export const unescapeDollars = (value) => String(value).replace(/\$\$/g, '$');

/**
 * Names whose values are not printed even when out/ writes them as a literal: the running value might still be one
 * a credential variable put there before.
 */
export const SECRET_NAME = /TOKEN|SECRET|PASSW|PASSPHRASE|API_?KEY|PRIVATE|CREDENTIAL|AUTH|SESSION|COOKIE|_KEY$|^KEY$/i;

/** `KEY=VALUE` lines (Docker's Env) as a Map; a line without `=` is a name with an empty value. */
export function envMap(list) {
  const map = new Map();
  for (const line of list ?? []) {
    const at = String(line).indexOf('=');
    if (at < 0) map.set(String(line), '');
    else map.set(line.slice(0, at), line.slice(at + 1));
  }
  return map;
}

/**
 * The environment a compose/stack service asks for: a map (or a KEY=VALUE list) to entries that say either the
 * literal value or that it is interpolated (a credential).
 * @returns {Map<string, { credential: boolean, value?: string, variables?: string[] }>}
 */
export function desiredEnv(environment) {
  const entries = Array.isArray(environment) ? [...envMap(environment)] : Object.entries(environment ?? {});
  return new Map(
    entries.map(([name, raw]) => {
      const value = raw === null || raw === undefined ? '' : String(raw);
      return [name, isInterpolated(value) ? { credential: true, variables: interpolatedVariables(value) } : { credential: false, value: unescapeDollars(value) }];
    }),
  );
}

const quoted = (value) => JSON.stringify(value);

/**
 * Adds to `secrets` the values of `env` that are never shown (and are scrubbed from what is): the credentials the
 * desired environment names, and any value under a secret-looking name.
 * @param {Map<string, string>} env
 * @param {Set<string>} secrets
 * @param {Map<string, {credential: boolean}>} [desired]
 */
export function collectSecrets(env, secrets, desired = new Map()) {
  for (const [name, value] of env) if (desired.get(name)?.credential || SECRET_NAME.test(name)) secrets.add(value);
}

/**
 * Differences of one environment: names (and literal values of non-credentials). `imageEnv`: variables the image
 * itself sets (compose containers carry them; a live variable equal to the image's is not a difference).
 * Values are shown only for a variable out/ writes as a literal and whose name does not look like a secret.
 * @param {Map<string, {credential: boolean, value?: string}>} desired
 * @param {Map<string, string>} live
 * @param {Map<string, string>} [imageEnv]
 * @returns {{ field: string, before: string, after: string }[]}
 */
export function compareEnv(desired, live, imageEnv = new Map()) {
  const found = [];
  for (const [name, want] of desired) {
    const field = `env ${name}`;
    const shown = !want.credential && !SECRET_NAME.test(name);
    if (!live.has(name)) {
      found.push({ field, before: ABSENT, after: want.credential ? `(set from the environment: ${(want.variables ?? []).map((v) => `\${${v}}`).join(' ') || 'interpolated'})` : shown ? quoted(want.value) : HIDDEN });
      continue;
    }
    if (want.credential) continue;
    const have = live.get(name);
    if (have === want.value) continue;
    found.push(shown ? { field, before: quoted(have), after: quoted(want.value) } : { field, before: '(a value, not shown)', after: '(another value, not shown)' });
  }
  for (const [name, have] of live) {
    if (desired.has(name)) continue;
    if (imageEnv.has(name) && imageEnv.get(name) === have) continue;
    // Not asked for any more: it may have held a credential, so its value is never shown.
    found.push({ field: `env ${name}`, before: HIDDEN, after: ABSENT });
  }
  return found;
}

/** Compose memory sizes ('256M', '1g', '512mb', 1024) in bytes (binary units, as compose and Docker read them). */
export function parseBytes(value) {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(String(value));
  if (!match) return Number.NaN;
  const power = { '': 0, k: 1, m: 2, g: 3, t: 4 }[match[2].toLowerCase()];
  return Math.round(Number(match[1]) * 1024 ** power);
}

/** Bytes as a person writes them in a compose file (256M, 1G, 1536K, 0 = none). */
export function formatBytes(bytes) {
  if (!bytes) return 'none';
  for (const [unit, size] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]]) if (bytes % size === 0) return `${bytes / size}${unit}`;
  return `${bytes}B`;
}

/** CPUs as a number ('0.5' → 0.5; none → 0). */
export const parseCpus = (value) => (value === undefined || value === null || value === '' ? 0 : Number(value));
export const formatCpus = (cpus) => (cpus ? String(Math.round(cpus * 1000) / 1000) : 'none');

/** A compose duration ('30s', '1m30s', '500ms') in nanoseconds, as Docker stores it; none → 0. */
export function parseDuration(value) {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value === 'number') return value * 1e9;
  let total = 0;
  for (const [, n, unit] of String(value).matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|h|m|s)/g)) total += Number(n) * { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, 'µs': 1e3, ns: 1 }[unit];
  return Math.round(total);
}

const formatDuration = (ns) => (ns % 1e9 === 0 ? `${ns / 1e9}s` : `${ns / 1e6}ms`);

/**
 * A health check in one form, from a compose/stack `healthcheck:` (test as a list or a string; disable) or from
 * Docker's Config.Healthcheck (Test, Interval/Timeout/StartPeriod in ns, Retries). undefined: none set (the image's
 * own applies — not compared). 'disabled' for `disable: true` / Test ["NONE"].
 */
export function normalizeHealthcheck(check, { docker = false } = {}) {
  if (!check) return undefined;
  if (docker) {
    if (!check.Test || check.Test.length === 0) return undefined;
    if (check.Test[0] === 'NONE') return 'disabled';
    return { test: check.Test, interval: check.Interval ?? 0, timeout: check.Timeout ?? 0, retries: check.Retries ?? 0, startPeriod: check.StartPeriod ?? 0 };
  }
  if (check.disable === true || (Array.isArray(check.test) && check.test[0] === 'NONE')) return 'disabled';
  if (check.test === undefined) return undefined;
  const test = (typeof check.test === 'string' ? ['CMD-SHELL', check.test] : check.test).map((part) => unescapeDollars(part));
  return { test, interval: parseDuration(check.interval), timeout: parseDuration(check.timeout), retries: Number(check.retries ?? 0), startPeriod: parseDuration(check.start_period) };
}

/** A normalized health check as one line. */
export function formatHealthcheck(check) {
  if (check === undefined) return "(the image's)";
  if (check === 'disabled') return 'disabled';
  const words = check.test.map((part) => (/\s|^$/.test(part) ? quoted(part) : part)).join(' ');
  const timing = [check.interval && `every ${formatDuration(check.interval)}`, check.timeout && `timeout ${formatDuration(check.timeout)}`, check.retries && `${check.retries} retries`, check.startPeriod && `start ${formatDuration(check.startPeriod)}`].filter(Boolean);
  return `${words.length > 160 ? `${words.slice(0, 160)}…` : words}${timing.length ? ` (${timing.join(', ')})` : ''}`;
}

/** Compares two normalized health checks (undefined on the desired side: the image's own, not compared). */
export function sameHealthcheck(desired, live) {
  if (desired === undefined) return true;
  return JSON.stringify(desired) === JSON.stringify(live);
}

/**
 * A command as compose and `docker stack deploy` read it: a list stays, a string is split the way a POSIX shell
 * splits words (quotes, backslashes); `$$` → `$`.
 */
export function commandList(command) {
  if (command === undefined || command === null) return undefined;
  if (Array.isArray(command)) return command.map((part) => unescapeDollars(part));
  const words = [];
  let current = '';
  let inWord = false;
  let quote = '';
  const text = String(command);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words.map((part) => unescapeDollars(part));
}

/** A list as one line (a command, ports, networks): JSON for commands, comma-separated for sets. */
export const formatCommand = (list) => (list && list.length ? JSON.stringify(list) : '(none)');
export const formatSet = (list) => (list && list.length ? [...list].sort().join(', ') : '(none)');

/** Whether two lists hold the same items, in order (commands) or as sets. */
export const sameList = (a = [], b = []) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
export const sameSet = (a = [], b = []) => JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());

/** The labels drift compares: the ones the generator sets (mcpfleet.*). */
export const FLEET_LABEL = /^mcpfleet\./;

/**
 * Differences of the generator's labels. Live labels that the image itself carries with the same value (the local
 * images' mcpfleet.local-recipe) are the image's, not the file's.
 */
export function compareLabels(desired = {}, live = {}, imageLabels = {}) {
  const found = [];
  const names = new Set([...Object.keys(desired ?? {}), ...Object.keys(live ?? {})].filter((n) => FLEET_LABEL.test(n)));
  for (const name of [...names].sort()) {
    const want = desired?.[name];
    const have = live?.[name];
    if (want === undefined && have !== undefined && imageLabels?.[name] === have) continue;
    if (want !== undefined && String(want) === String(have)) continue;
    if (want === undefined && have === undefined) continue;
    found.push({ field: `label ${name}`, before: have === undefined ? ABSENT : quoted(have), after: want === undefined ? ABSENT : quoted(String(want)) });
  }
  return found;
}

/**
 * Replaces every secret value in a text (the running values of credential variables, collected while reading the
 * live state) — a second line of defence: differences never carry those values in the first place.
 */
export function redact(text, secrets) {
  let out = text;
  for (const secret of [...secrets].filter((s) => s && s.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(secret).join('(redacted)');
  return out;
}
