/**
 * Field schemas shared by the customer schema and the MCP type catalog.
 * Each carries the message a user sees when the value is wrong, phrased as what to do.
 */
import { z } from 'zod';
import { hasKeyLikeRun, reservedVariableReason } from './reserved-variables.ts';

/** Lowercase RFC 1123 label: what Docker, DNS and Kubernetes all accept as a name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_LABEL_MAX = 63;

/** POSIX shell / compose variable name; upper case by convention so it stands out as a credential. */
export const ENV_VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** The *name* of an environment variable that holds a credential (never the value itself). */
export const envVarName = z
  .string()
  .regex(ENV_VAR_NAME, {
    message: 'must be an environment variable name in UPPER_SNAKE_CASE (e.g. GRAFANA_TOKEN_ACME); put the secret value in the credentials env file, not here',
  })
  .max(128)
  // Only names that pass the name rule: anything else is refused by that rule already, with its own message.
  .refine((name) => !ENV_VAR_NAME.test(name) || !hasKeyLikeRun(name), {
    message: 'looks like a secret value (a long run of mixed letters and digits), not a variable name: put the value in the credentials env file and write its variable name here, e.g. GRAFANA_TOKEN_ACME',
  })
  .superRefine((name, ctx) => {
    const reason = reservedVariableReason(name);
    if (reason) ctx.addIssue({ code: 'custom', message: `${name} is not available: ${reason}; choose a name of your own, e.g. one ending in the customer id (GRAFANA_TOKEN_ACME)` });
  })
  .describe('Name of the environment variable that holds the value (the value itself never goes in a customer file).');

/**
 * Query parameters that carry a credential by their name (`?api_key=…`, `&X-Amz-Signature=…`): a URL with one would
 * put the secret into out/. Matched against the parameter name with `-` and `_` removed, case-insensitive.
 */
const CREDENTIAL_QUERY_PARAMETER = /^(apikey|key|token|accesstoken|authtoken|auth|authorization|bearer|secret|clientsecret|password|passwd|pwd|pass|sig|signature|xamzsignature|xamzcredential|xamzsecuritytoken|credential|credentials|session|sessionid|sessiontoken|jwt)$/i;

/** The query parameters of `value` whose names carry credentials (empty when it is not a URL). */
export function credentialQueryParameters(value: string): string[] {
  if (!URL.canParse(value)) return [];
  return [...new URL(value).searchParams.keys()].filter((name) => CREDENTIAL_QUERY_PARAMETER.test(name.replaceAll(/[-_]/g, '')));
}

/** An http(s) URL that carries no user name, password or credential query parameter. */
export const httpUrl = z
  .string()
  // The URL parser drops tabs and line breaks silently; refuse them so the value written is the value checked.
  .regex(/^[^\s\u0000-\u001f\u007f]+$/, { message: 'must be a URL without spaces or line breaks' })
  .pipe(z.url({ protocol: /^https?$/, hostname: /./, error: 'must be a full http:// or https:// URL with a host, e.g. https://maas-1203.mon.example.com' }))
  // zod runs refinements even after the URL check failed: every check below must hold up for any string.
  .refine((value) => {
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return url.username === '' && url.password === '';
  }, 'must not contain credentials (user:password@); name an env var for them instead')
  .superRefine((value, ctx) => {
    const names = credentialQueryParameters(value);
    if (names.length === 0) return;
    ctx.addIssue({
      code: 'custom',
      message: `must not carry credentials in its query string (${names.map((n) => `"${n}"`).join(', ')}): they would be written into out/; remove them and name an env var for the credential instead`,
    });
  })
  .describe('An http(s) URL without embedded credentials.');

/** A short lowercase name that can become part of a DNS label. */
export const dnsLabel = z
  .string()
  .regex(DNS_LABEL, { message: 'must be a lowercase DNS label: a-z, 0-9 and "-", starting and ending with a letter or digit' })
  .max(DNS_LABEL_MAX);

/** Free text on one line: display names and the like end up in labels and comments. */
export const singleLine = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, { message: 'must be a single line without control characters' });
