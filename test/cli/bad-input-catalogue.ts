/**
 * A catalogue of broken customer files and fleet-config mistakes, each with the problem line it must produce: the
 * file, the field path, and a phrase of the fix. Planted values that look like secrets must never be printed.
 */

/** One bad input: files to write under the repo root, and the problems they must produce. */
export interface BadInput {
  /** What is wrong, for the test name. */
  title: string;
  /** Files relative to the repo root (customers/…), with their source; `{{schema}}` is the schema import path. */
  files: Record<string, string>;
  /** Each expected problem: file, field path ('' for the whole file), and text the message must contain (the fix). */
  expect: Array<{ file: string; path: string; fix: string }>;
}

/** Planted secrets: none may appear in anything the CLI prints. */
export const PLANTED_SECRETS = {
  github: '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',
  grafana: 'glsa_Zq7kP2mX9vB4nR8tW3yL6cF1hJ5dG0sA_7e3b9c1d',
  slack: 'xoxb-483920175623-7719038842261-Qm3ZrT8vKp2LwX9yBn4cHd6F',
  aws: 'AKIA2E0A8F3B244C9986',
  queryToken: 'c7f9e2a1b5d84f3e9a6c0b2d7e1f4a8c',
} as const;

const header = "import { defineCustomer } from '{{schema}}';\n\n";
const customer = (body: string) => `${header}export default defineCustomer({\n${body}\n} as never);\n`;
/** A customer whose only fault is in `server` (or in `extra` top-level fields). */
const withServer = (server: string, extra = '') => customer(`  name: 'Customer ${++seq}',\n  host: 'h.example.com',\n${extra}  mcpServers: [${server}],`);
const grafana = (fields: string) => `{ type: 'grafana', url: 'https://g.example.com', tokenEnv: 'GRAFANA_TOKEN_CAT', ${fields} }`;
const alertmanager = (fields: string) => `{ type: 'alertmanager', url: 'http://am.example.com:9093', ${fields} }`;

let seq = 0;
/** A fresh variable name, so that catalogue entries never share one (which is an error of its own). */
const v = (stem: string) => `${stem}_C${++seq}`;

export const catalogue: BadInput[] = [
  // Wrong types say what was given.
  { title: 'name is a number', files: { 'customers/name-number.ts': customer(`  name: 42,\n  host: 'h.example.com',\n  mcpServers: [${grafana(`tokenEnv: '${v('T')}'`)}],`) }, expect: [{ file: 'customers/name-number.ts', path: 'name', fix: 'expected a string, got the number 42' }] },
  { title: 'host is an array', files: { 'customers/host-array.ts': customer(`  name: 'Host Array',\n  host: ['h.example.com'],\n  mcpServers: [${grafana(`tokenEnv: '${v('T')}'`)}],`) }, expect: [{ file: 'customers/host-array.ts', path: 'host', fix: 'expected a string, got an array of 1 item' }] },
  { title: 'mcpServers is a string', files: { 'customers/servers-string.ts': customer("  name: 'Servers String',\n  host: 'h.example.com',\n  mcpServers: 'grafana',") }, expect: [{ file: 'customers/servers-string.ts', path: 'mcpServers', fix: 'expected an array, got the string "grafana"' }] },
  { title: 'basicAuth is a "user:password" string', files: { 'customers/basic-string.ts': withServer(alertmanager("basicAuth: 'admin:S3cretPassw0rd!'")) }, expect: [{ file: 'customers/basic-string.ts', path: 'mcpServers[0].basicAuth', fix: `expected an object, got a string of ${'admin:S3cretPassw0rd!'.length} characters` }] },
  { title: 'default export is a function', files: { 'customers/fn-export.ts': "export default () => ({ name: 'x' });\n" }, expect: [{ file: 'customers/fn-export.ts', path: '', fix: 'the default export must be an object' }] },
  { title: 'default export is a string', files: { 'customers/str-export.ts': "export default 'acme';\n" }, expect: [{ file: 'customers/str-export.ts', path: '', fix: 'got the string "acme"' }] },
  { title: 'no default export', files: { 'customers/no-default.ts': 'export const customer = {};\n' }, expect: [{ file: 'customers/no-default.ts', path: '', fix: 'end the file with `export default defineCustomer' }] },

  // Modules that fail, hang or exit: one problem each, the others still checked.
  { title: 'throws on import', files: { 'customers/throws.ts': "throw new Error('boom from customer file');\n" }, expect: [{ file: 'customers/throws.ts', path: '', fix: 'failed to load: boom from customer file; fix the TypeScript' }] },
  { title: 'syntax error', files: { 'customers/syntax.ts': "export default {\n  name: 'x',,\n};\n" }, expect: [{ file: 'customers/syntax.ts', path: '', fix: 'does not compile: customers/syntax.ts:2:12: Expected identifier but found ","' }] },
  { title: 'endless loop', files: { 'customers/spin.ts': 'while (true) {}\nexport default {};\n' }, expect: [{ file: 'customers/spin.ts', path: '', fix: 'did not finish loading within 2 s' }] },
  { title: 'top-level await that never settles', files: { 'customers/tla.ts': 'await new Promise(() => {});\nexport default {};\n' }, expect: [{ file: 'customers/tla.ts', path: '', fix: 'a top-level await that never settles' }] },
  { title: 'process.exit', files: { 'customers/exits.ts': 'process.exit(3);\nexport default {};\n' }, expect: [{ file: 'customers/exits.ts', path: '', fix: 'ended the loader (exit code 3' }] },

  // URLs.
  { title: 'URL without a scheme', files: { 'customers/url-bare.ts': withServer(grafana(`url: 'maas-1203', tokenEnv: '${v('T')}'`)) }, expect: [{ file: 'customers/url-bare.ts', path: 'mcpServers[0].url', fix: 'must be a full http:// or https:// URL with a host' }] },
  { title: 'URL without a host', files: { 'customers/url-nohost.ts': withServer(grafana(`url: 'https://', tokenEnv: '${v('T')}'`)) }, expect: [{ file: 'customers/url-nohost.ts', path: 'mcpServers[0].url', fix: 'with a host' }] },
  { title: 'URL with another scheme', files: { 'customers/url-ftp.ts': withServer(grafana(`url: 'ftp://g.example.com', tokenEnv: '${v('T')}'`)) }, expect: [{ file: 'customers/url-ftp.ts', path: 'mcpServers[0].url', fix: 'http:// or https://' }] },
  { title: 'URL with user:password', files: { 'customers/url-userinfo.ts': withServer(grafana(`url: 'https://admin:hunter2@g.example.com', tokenEnv: '${v('T')}'`)) }, expect: [{ file: 'customers/url-userinfo.ts', path: 'mcpServers[0].url', fix: 'name an env var for them instead' }] },
  { title: 'URL with ?api_key=', files: { 'customers/url-apikey.ts': withServer(alertmanager(`url: 'http://am.example.com/?api_key=${PLANTED_SECRETS.queryToken}'`)) }, expect: [{ file: 'customers/url-apikey.ts', path: 'mcpServers[0].url', fix: 'must not carry credentials in its query string ("api_key")' }] },
  { title: 'URL with &token=', files: { 'customers/url-token.ts': withServer(grafana(`url: 'https://g.example.com/d?orgId=1&token=${PLANTED_SECRETS.queryToken}', tokenEnv: '${v('T')}'`)) }, expect: [{ file: 'customers/url-token.ts', path: 'mcpServers[0].url', fix: '("token")' }] },
  { title: 'URL with a line break', files: { 'customers/url-newline.ts': withServer(grafana(`url: 'https://g.example.com/\\nX-Injected: 1', tokenEnv: '${v('T')}'`)) }, expect: [{ file: 'customers/url-newline.ts', path: 'mcpServers[0].url', fix: 'without spaces or line breaks' }] },

  // Variable names.
  { title: 'token value where a variable name belongs', files: { 'customers/var-token.ts': withServer(grafana(`tokenEnv: '${PLANTED_SECRETS.grafana}'`)) }, expect: [{ file: 'customers/var-token.ts', path: 'mcpServers[0].tokenEnv', fix: 'UPPER_SNAKE_CASE' }] },
  { title: 'AWS access key where a variable name belongs', files: { 'customers/var-aws.ts': withServer(grafana(`tokenEnv: '${PLANTED_SECRETS.aws}'`)) }, expect: [{ file: 'customers/var-aws.ts', path: 'mcpServers[0].tokenEnv', fix: 'looks like a secret value' }] },
  { title: "gateway token named like the agent's admin token", files: { 'customers/var-agent.ts': withServer(grafana(`tokenEnv: '${v('T')}'`), "  gateway: { tokenEnv: 'AGENT_API_TOKEN' },\n") }, expect: [{ file: 'customers/var-agent.ts', path: 'gateway.tokenEnv', fix: "the agent runtime's and mcpfleet's own settings" }] },
  { title: "mcpfleet's own variable", files: { 'customers/var-mcpfleet.ts': withServer(grafana("tokenEnv: 'MCPFLEET_AGENT_CONFIG_DIGEST'")) }, expect: [{ file: 'customers/var-mcpfleet.ts', path: 'mcpServers[0].tokenEnv', fix: 'choose a name of your own' }] },
  { title: 'variable an image reads', files: { 'customers/var-image.ts': withServer(grafana("tokenEnv: 'GRAFANA_URL'")) }, expect: [{ file: 'customers/var-image.ts', path: 'mcpServers[0].tokenEnv', fix: "grafana server's container reads" }] },
  { title: 'shell variables', files: { 'customers/var-shell.ts': withServer(alertmanager("basicAuth: { usernameEnv: 'HOME', passwordEnv: 'PATH' }")) }, expect: [{ file: 'customers/var-shell.ts', path: 'mcpServers[0].basicAuth.usernameEnv', fix: 'set by the shell' }, { file: 'customers/var-shell.ts', path: 'mcpServers[0].basicAuth.passwordEnv', fix: 'set by the shell' }] },
  { title: 'loader and runtime variables', files: { 'customers/var-loader.ts': withServer(`{ type: 'genesys', region: 'mypurecloud.de', clientIdEnv: 'LD_PRELOAD', clientSecretEnv: 'NODE_OPTIONS' }`) }, expect: [{ file: 'customers/var-loader.ts', path: 'mcpServers[0].clientIdEnv', fix: 'starting with LD_' }, { file: 'customers/var-loader.ts', path: 'mcpServers[0].clientSecretEnv', fix: 'starting with NODE_' }] },

  // Secrets in values.
  { title: 'GitHub token in the description', files: { 'customers/secret-desc.ts': withServer(grafana(`tokenEnv: '${v('T')}'`), `  description: 'deploy key ${PLANTED_SECRETS.github}',\n`) }, expect: [{ file: 'customers/secret-desc.ts', path: 'description', fix: 'holds what looks like a secret (github' }] },
  { title: 'Slack token as the tenant', files: { 'customers/secret-tenant.ts': withServer(alertmanager(`tenant: '${PLANTED_SECRETS.slack}'`)) }, expect: [{ file: 'customers/secret-tenant.ts', path: 'mcpServers[0].tenant', fix: 'put it in the credentials env file' }] },
  { title: 'Grafana token in a server description', files: { 'customers/secret-server.ts': withServer(grafana(`tokenEnv: '${v('T')}', description: '${PLANTED_SECRETS.grafana}'`)) }, expect: [{ file: 'customers/secret-server.ts', path: 'mcpServers[0].description', fix: 'holds what looks like a secret (grafana' }] },

  // Tool names.
  { title: 'tool name with shell characters', files: { 'customers/tool-shell.ts': withServer(grafana(`tokenEnv: '${v('T')}'`), `  gateway: { allowTools: ['$(x);../"\\''] },\n`) }, expect: [{ file: 'customers/tool-shell.ts', path: 'gateway.allowTools[0]', fix: 'letters, digits, "_", "-", ".", "/" and the wildcard "*"' }] },
  { title: 'tool name with a space', files: { 'customers/tool-space.ts': withServer(grafana(`tokenEnv: '${v('T')}'`), "  gateway: { denyTools: ['create silence'] },\n") }, expect: [{ file: 'customers/tool-space.ts', path: 'gateway.denyTools[0]', fix: 'e.g. createSilence' }] },

  // Keys and shapes.
  { title: 'typo in a key', files: { 'customers/typo.ts': withServer(`{ type: 'grafana', url: 'https://g.example.com', tokenEnvv: '${v('T')}' }`) }, expect: [{ file: 'customers/typo.ts', path: 'mcpServers[0].tokenEnvv', fix: 'did you mean "tokenEnv"?' }, { file: 'customers/typo.ts', path: 'mcpServers[0].tokenEnv', fix: 'is required (expected string)' }] },
  { title: 'unknown top-level key', files: { 'customers/extra-key.ts': withServer(grafana(`tokenEnv: '${v('T')}'`), "  region: 'eu',\n") }, expect: [{ file: 'customers/extra-key.ts', path: 'region', fix: 'remove it; allowed keys: name, host, description, mcpServers, gateway' }] },
  { title: 'unknown MCP type', files: { 'customers/type-unknown.ts': withServer("{ type: 'prometheus', url: 'http://p.example.com' }") }, expect: [{ file: 'customers/type-unknown.ts', path: 'mcpServers[0].type', fix: "use one of: 'grafana', 'alertmanager', 'genesys'" }] },
  { title: 'Genesys region that does not exist', files: { 'customers/bad-region.ts': withServer(`{ type: 'genesys', region: 'mypurecloud.fr', clientIdEnv: '${v('ID')}', clientSecretEnv: '${v('SECRET')}' }`) }, expect: [{ file: 'customers/bad-region.ts', path: 'mcpServers[0].region', fix: 'use one of: mypurecloud.com, usw2.pure.cloud' }] },
  { title: 'no MCP servers', files: { 'customers/no-servers.ts': customer("  name: 'No Servers',\n  host: 'h.example.com',\n  mcpServers: [],") }, expect: [{ file: 'customers/no-servers.ts', path: 'mcpServers', fix: "add an entry such as { type: 'grafana'" }] },
  { title: 'two servers with one name', files: { 'customers/dup-server.ts': withServer(`${grafana(`tokenEnv: '${v('T')}'`)}, ${grafana(`tokenEnv: '${v('T')}'`)}`) }, expect: [{ file: 'customers/dup-server.ts', path: 'mcpServers[1].name', fix: "give each grafana server a distinct name (e.g. name: 'staging')" }] },
  { title: 'server name in upper case', files: { 'customers/server-name.ts': withServer(grafana(`tokenEnv: '${v('T')}', name: 'Staging'`)) }, expect: [{ file: 'customers/server-name.ts', path: 'mcpServers[0].name', fix: 'must be a lowercase DNS label' }] },
  { title: 'host with a scheme', files: { 'customers/host-scheme.ts': customer(`  name: 'Host Scheme',\n  host: 'https://h.example.com',\n  mcpServers: [${grafana(`tokenEnv: '${v('T')}'`)}],`) }, expect: [{ file: 'customers/host-scheme.ts', path: 'host', fix: '(no scheme, no path)' }] },
  { title: 'empty display name', files: { 'customers/name-empty.ts': customer(`  name: '  ',\n  host: 'h.example.com',\n  mcpServers: [${grafana(`tokenEnv: '${v('T')}'`)}],`) }, expect: [{ file: 'customers/name-empty.ts', path: 'name', fix: 'must not be empty' }] },
  { title: 'display name over two lines', files: { 'customers/name-lines.ts': customer(`  name: 'Two\\nLines',\n  host: 'h.example.com',\n  mcpServers: [${grafana(`tokenEnv: '${v('T')}'`)}],`) }, expect: [{ file: 'customers/name-lines.ts', path: 'name', fix: 'must be a single line' }] },
  { title: 'tenant with a control character', files: { 'customers/tenant-ctl.ts': withServer(alertmanager("tenant: 'a\\u0007b'")) }, expect: [{ file: 'customers/tenant-ctl.ts', path: 'mcpServers[0].tenant', fix: 'without control characters' }] },

  // File names and kinds.
  { title: 'file name that is not a DNS label', files: { 'customers/Bad_Name.ts': withServer(grafana(`tokenEnv: '${v('T')}'`)) }, expect: [{ file: 'customers/Bad_Name.ts', path: '', fix: 'rename the file to a lowercase DNS label' }] },
  { title: 'file name reserved for a profile', files: { 'customers/grafana.ts': withServer(grafana(`tokenEnv: '${v('T')}'`)) }, expect: [{ file: 'customers/grafana.ts', path: '', fix: 'is reserved' }] },
  { title: 'customer saved as .js', files: { 'customers/plain-js.js': "export default { name: 'Plain JS' };\n" }, expect: [{ file: 'customers/plain-js.js', path: '', fix: 'rename it to customers/plain-js.ts' }] },
  { title: 'customer saved as .mjs', files: { 'customers/module-js.mjs': "export default { name: 'Module JS' };\n" }, expect: [{ file: 'customers/module-js.mjs', path: '', fix: 'rename it to customers/module-js.ts' }] },
  { title: 'customer saved as .json', files: { 'customers/data.json': '{ "name": "Data" }\n' }, expect: [{ file: 'customers/data.json', path: '', fix: 'rename it to customers/data.ts' }] },

  // Across customers.
  {
    title: 'display name used twice (case-insensitive)',
    files: {
      'customers/twin-a.ts': customer(`  name: 'Twin Corp',\n  host: 'h.example.com',\n  mcpServers: [${grafana(`tokenEnv: '${v('T')}'`)}],`),
      'customers/twin-b.ts': customer(`  name: 'TWIN CORP',\n  host: 'h.example.com',\n  mcpServers: [${grafana(`tokenEnv: '${v('T')}'`)}],`),
    },
    expect: [{ file: 'customers/twin-b.ts', path: 'name', fix: 'is already used by customers/twin-a.ts' }],
  },
  {
    title: 'credential variable used by two customers',
    files: {
      'customers/share-a.ts': withServer(grafana("tokenEnv: 'GRAFANA_TOKEN_SHARED'")),
      'customers/share-b.ts': withServer(grafana("tokenEnv: 'GRAFANA_TOKEN_SHARED'")),
    },
    expect: [{ file: 'customers/share-b.ts', path: 'mcpServers[0]', fix: 'give each customer its own variables (e.g. suffix it with _SHARE_B)' }],
  },

  // The fleet config (one file, several mistakes).
  {
    title: 'fleet config: wrong types, unknown type key, bad env key, injected image, secret in env, bad registry',
    files: {
      'fleet.config.ts': `export default {
  ports: { base: '20000' },
  imageRegistry: 'https://registry.example.com',
  types: {
    prometheus: {},
    grafana: { image: 'grafana/mcp-grafana:\${HOME}', env: { 'MY-VAR': 'x' } },
    alertmanager: { env: { AWS_KEY_ID: '${PLANTED_SECRETS.aws}' } },
  },
};
`,
    },
    expect: [
      { file: 'fleet.config.ts', path: 'ports.base', fix: 'expected a number, got the string "20000"' },
      { file: 'fleet.config.ts', path: 'imageRegistry', fix: 'must be a registry host with an optional path' },
      { file: 'fleet.config.ts', path: 'types.prometheus', fix: 'remove it; allowed keys: grafana, alertmanager, genesys' },
      { file: 'fleet.config.ts', path: 'types.grafana.image', fix: 'must be an image reference such as' },
      { file: 'fleet.config.ts', path: 'types.grafana.env.MY-VAR', fix: 'rename it (e.g. "MY_VAR")' },
      { file: 'fleet.config.ts', path: 'types.alertmanager.env.AWS_KEY_ID', fix: 'holds what looks like a secret (aws' },
    ],
  },
];

/** Files in customers/ that are not customers and must not be reported. */
export const IGNORED_FILES: Record<string, string> = {
  'customers/README.md': '# notes\n',
  'customers/types.d.ts': 'export type X = 1;\n',
  'customers/.draft.ts': 'this is not even TypeScript (\n',
};
