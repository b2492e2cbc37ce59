// Entry point of the local stand-in for grafana/mcp-grafana (pnpm manage build --local): takes the public image's
// command line (`-t streamable-http --address HOST:PORT …`) and environment (GRAFANA_URL,
// GRAFANA_SERVICE_ACCOUNT_TOKEN or, under Swarm, GRAFANA_SERVICE_ACCOUNT_TOKEN_FILE) and serves the stdio server
// @leval/mcp-grafana as streamable HTTP on /mcp through mcp-proxy (one child shared by all sessions).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const value = (...names) => {
  const at = args.findIndex((a) => names.includes(a));
  return at >= 0 ? args[at + 1] : undefined;
};
const address = value('--address', '-address') ?? '0.0.0.0:8000';
const port = address.split(':').pop() || '8000';
const env = { ...process.env };
const tokenFile = env.GRAFANA_SERVICE_ACCOUNT_TOKEN_FILE;
if (tokenFile && !env.GRAFANA_SERVICE_ACCOUNT_TOKEN) env.GRAFANA_SERVICE_ACCOUNT_TOKEN = readFileSync(tokenFile, 'utf8').trim();
delete env.GRAFANA_SERVICE_ACCOUNT_TOKEN_FILE;

const child = spawn(
  process.execPath,
  ['/app/node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs', '--host', '0.0.0.0', '--port', port, '--', process.execPath, '/app/node_modules/@leval/mcp-grafana/dist/cli.js'],
  { stdio: 'inherit', env },
);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
