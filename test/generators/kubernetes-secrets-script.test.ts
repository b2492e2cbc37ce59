/**
 * scripts/k8s-secrets.mjs against generated out/k8s trees, with a fake kubectl on PATH that records what it
 * was given: each customer's Secret gets exactly its own variables, and no value is ever printed.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allServers, type Fleet } from '../../fleet/model.ts';
import { CUSTOMERS, fleetOf, generate, NO_CREDENTIALS, writeTree } from './kubernetes-fixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/k8s-secrets.mjs');

const FAKE_KUBECTL = `#!/bin/bash
# Records calls; "create secret" keeps a copy of the env file it was given, "apply" what came on stdin.
echo "$*" >> "$KUBECTL_LOG/calls"
if [ "$1" = create ]; then
  for arg in "$@"; do
    case "$arg" in --from-env-file=*) file="\${arg#--from-env-file=}";; esac
  done
  ns=""; prev=""
  for arg in "$@"; do [ "$prev" = "-n" ] && ns="$arg"; prev="$arg"; done
  [ "$ns" = "mcp-broken" ] && { echo "error: namespaces \\"$ns\\" not found" >&2; exit 1; }
  cp "$file" "$KUBECTL_LOG/$ns.env"
  case "$*" in
    *--dry-run=client*) echo "apiVersion: v1"; echo "kind: Secret"; echo "metadata: {name: mcp-credentials, namespace: $ns}";;
    *) touch "$KUBECTL_LOG/exists-$ns-$4"; echo "secret/$4 created";;
  esac
elif [ "$1" = get ]; then
  # get secret NAME -n NS -o name: exists only once created (or planted by a test)
  [ -f "$KUBECTL_LOG/exists-$5-$3" ] && { echo "secret/$3"; exit 0; }
  echo "Error from server (NotFound): secrets \\"$3\\" not found" >&2; exit 1
elif [ "$1" = apply ]; then
  cat > "$KUBECTL_LOG/applied-$(date +%s%N).yaml"
  echo "secret/mcp-credentials configured"
elif [ "$1" = rollout ]; then
  echo "deployment.apps/restarted"
fi
`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup(fleet: Fleet, values: Record<string, string>, envText?: string) {
  const dir = writeTree(generate(fleet));
  dirs.push(dir);
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'log');
  mkdirSync(bin);
  mkdirSync(log);
  writeFileSync(path.join(bin, 'kubectl'), FAKE_KUBECTL);
  chmodSync(path.join(bin, 'kubectl'), 0o755);
  const envFile = path.join(dir, 'credentials.env');
  writeFileSync(envFile, envText ?? `# filled in\n${Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, [SCRIPT, '--env-file', envFile, '--k8s-dir', path.join(dir, 'k8s'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, KUBECTL_LOG: log },
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };
  return { run, log };
}

const distinctValues = (fleet: Fleet) =>
  Object.fromEntries(allServers(fleet).flatMap((s) => s.credentials).map((c) => [c.variable, `v-${randomBytes(10).toString('hex')}`]));

describe('scripts/k8s-secrets.mjs', () => {
  const fleet = fleetOf({ ...CUSTOMERS, 'open-alerts': NO_CREDENTIALS });

  it('creates each customer\'s Secret from a file with only its variables, and prints no value', () => {
    const values = distinctValues(fleet);
    const { run, log } = setup(fleet, values);
    const { status, output } = run('--restart');
    expect(status, output).toBe(0);
    for (const value of Object.values(values)) expect(output).not.toContain(value);

    const withCredentials = fleet.customers.filter((c) => c.servers.some((s) => s.credentials.length > 0));
    expect(readdirSync(log).filter((f) => f.endsWith('.env') && f !== 'mcp-agent.env').sort()).toEqual(withCredentials.map((c) => `${c.namespace}.env`));
    for (const customer of withCredentials) {
      const variables = [...new Set(customer.servers.flatMap((s) => s.credentials.map((c) => c.variable)))];
      expect(readFileSync(path.join(log, `${customer.namespace}.env`), 'utf8')).toBe(variables.map((v) => `${v}=${values[v]}\n`).join(''));
      expect(output).toContain(`${customer.namespace}: secret/mcp-credentials configured`);
    }
    const calls = readFileSync(path.join(log, 'calls'), 'utf8').trim().split('\n');
    const creates = calls.filter((c) => c.startsWith('create secret generic mcp-credentials'));
    expect(creates).toHaveLength(withCredentials.length);
    expect(calls.filter((c) => c === 'apply -f -')).toHaveLength(withCredentials.length);
    expect(calls.filter((c) => c.startsWith('rollout restart deployment'))).toEqual(withCredentials.map((c) => `rollout restart deployment -n ${c.namespace} -l mcpfleet.io/customer=${c.id}`));
    for (const create of creates) {
      expect(create).toMatch(/ --dry-run=client -o yaml$/);
      const file = /--from-env-file=(\S+)/.exec(create)![1]!;
      expect(existsSync(file), `${file} was removed`).toBe(false);
    }
  });

  it('creates the agent\'s session Secret with a random key when it is missing and keeps it when it exists, printing no key', () => {
    const values = distinctValues(fleet);
    const { run, log } = setup(fleet, values);
    const first = run();
    expect(first.status, first.output).toBe(0);
    expect(first.output).toContain('mcp-agent: secret/mcp-agent-session created with a random AGENT_SESSION_SECRET');
    const created = readFileSync(path.join(log, 'mcp-agent.env'), 'utf8');
    const key = /^AGENT_SESSION_SECRET=([A-Za-z0-9+/]+)\n$/.exec(created)?.[1];
    expect(key, created).toBeDefined();
    expect(key!.length).toBe(64); // 48 random bytes; the runtime wants at least 32 characters
    expect(Buffer.from(key!, 'base64')).toHaveLength(48);
    expect(first.output).not.toContain(key);
    const calls = readFileSync(path.join(log, 'calls'), 'utf8').trim().split('\n');
    const create = calls.find((c) => c.startsWith('create secret generic mcp-agent-session -n mcp-agent --from-env-file='))!;
    expect(create).not.toContain('--dry-run'); // create, never apply: an existing key is never overwritten
    expect(existsSync(/--from-env-file=(\S+)/.exec(create)![1]!)).toBe(false);

    const second = run();
    expect(second.status, second.output).toBe(0);
    expect(second.output).toContain('mcp-agent: secret/mcp-agent-session exists, kept (AGENT_SESSION_SECRET)');
    expect(readFileSync(path.join(log, 'calls'), 'utf8').split('\n').filter((c) => c.startsWith('create secret generic mcp-agent-session'))).toHaveLength(1);

    // A fresh key each time one is made.
    const other = setup(fleet, values);
    expect(other.run().status).toBe(0);
    expect(readFileSync(path.join(other.log, 'mcp-agent.env'), 'utf8')).not.toBe(created);
  });

  it('creates the session Secret even when no customer needs credentials (an empty env file)', () => {
    const open = fleetOf({ 'open-alerts': NO_CREDENTIALS });
    // (The file must exist: Node 20 itself reads a script's `--env-file FILE` argument and exits when FILE is missing.)
    const { run } = setup(open, {}, '');
    const { status, output } = run();
    expect(status, output).toBe(0);
    expect(output).toContain('No customer needs credentials.');
    expect(output).toContain('mcp-agent: secret/mcp-agent-session created with a random AGENT_SESSION_SECRET');
  });

  it('--dry-run prints the commands with variable names only and runs nothing', () => {
    const values = distinctValues(fleet);
    const { run, log } = setup(fleet, values);
    const { status, output } = run('--dry-run', '--customer', 'vattenfall-de');
    expect(status, output).toBe(0);
    expect(output).toContain('kubectl create secret generic mcp-credentials -n mcp-vattenfall-de --from-env-file=<temporary file with GRAFANA_TOKEN_VATTENFALL, GENESYS_CLIENT_ID_VATTENFALL, GENESYS_CLIENT_SECRET_VATTENFALL>');
    expect(output).not.toContain('mcp-segurcaixa');
    expect(output).toContain('kubectl create secret generic mcp-agent-session -n mcp-agent --from-env-file=<temporary file with a random AGENT_SESSION_SECRET>');
    for (const value of Object.values(values)) expect(output).not.toContain(value);
    expect(existsSync(path.join(log, 'calls'))).toBe(false);
  });

  it('reads quoted values and comments as compose does', () => {
    const only = fleetOf({ segurcaixa: CUSTOMERS.segurcaixa! });
    const { run, log } = setup(only, {}, '# comment\nexport GRAFANA_TOKEN_SEGURCAIXA="glsa_a b#c"  # trailing\nUNRELATED=1\n');
    const { status, output } = run();
    expect(status, output).toBe(0);
    expect(readFileSync(path.join(log, 'mcp-segurcaixa.env'), 'utf8')).toBe('GRAFANA_TOKEN_SEGURCAIXA=glsa_a b#c\n');
  });

  it('fails before running kubectl when a variable has no value, naming it but no value', () => {
    const values = distinctValues(fleet);
    const { GENESYS_CLIENT_SECRET_VATTENFALL: _dropped, ...rest } = values;
    const { run, log } = setup(fleet, { ...rest, GRAFANA_TOKEN_SEGURCAIXA: '' });
    const { status, output } = run();
    expect(status).toBe(1);
    expect(output).toContain('GENESYS_CLIENT_SECRET_VATTENFALL (vattenfall-de)');
    expect(output).toContain('GRAFANA_TOKEN_SEGURCAIXA (segurcaixa)');
    for (const value of Object.values(rest)) expect(output).not.toContain(value);
    expect(existsSync(path.join(log, 'calls'))).toBe(false);
  });

  it('stops with kubectl\'s message and removes the temporary file when kubectl fails', () => {
    const broken = fleetOf({ broken: CUSTOMERS.segurcaixa! });
    const values = distinctValues(broken);
    const { run, log } = setup(broken, values);
    const { status, output } = run();
    expect(status).toBe(1);
    expect(output).toContain('namespaces "mcp-broken" not found');
    const create = readFileSync(path.join(log, 'calls'), 'utf8').split('\n')[0]!;
    expect(existsSync(/--from-env-file=(\S+)/.exec(create)![1]!)).toBe(false);
  });

  it('refuses to run when the output uses External Secrets', () => {
    const external = fleetOf(CUSTOMERS, { kubernetes: { externalSecrets: { storeName: 'vault', storeKind: 'ClusterSecretStore' } } });
    const { run, log } = setup(external, distinctValues(external));
    const { status, output } = run();
    expect(status).toBe(1);
    expect(output).toMatch(/External Secrets/);
    expect(existsSync(path.join(log, 'calls'))).toBe(false);
  });
});
