/**
 * Field schemas shared by the customer schema and the MCP type catalog.
 * Each carries the message a user sees when the value is wrong, phrased as what to do.
 */
import { z } from 'zod';

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
  .describe('Name of the environment variable that holds the value (the value itself never goes in a customer file).');

/** An http(s) URL that carries no user name or password. */
export const httpUrl = z
  .string()
  // The URL parser drops tabs and line breaks silently; refuse them so the value written is the value checked.
  .regex(/^[^\s\u0000-\u001f\u007f]+$/, { message: 'must be a URL without spaces or line breaks' })
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }))
  .refine((value) => {
    const url = new URL(value);
    return url.username === '' && url.password === '';
  }, 'must not contain credentials (user:password@); name an env var for them instead')
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
