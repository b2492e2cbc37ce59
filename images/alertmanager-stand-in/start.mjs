// Entry point of the local stand-in for ghcr.io/ntk148v/alertmanager-mcp-server (pnpm manage build --local): runs
// the static mcp-alertmanager binary from npm as streamable HTTP on MCP_PORT (the public image's variable; default
// 8000), any path. It reads ALERTMANAGER_URL itself. Arguments, when given, go to the binary as they are.
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
const child = spawn('/usr/local/bin/mcp-alertmanager', args.length > 0 ? args : ['--port', process.env.MCP_PORT || '8000'], { stdio: 'inherit' });
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
