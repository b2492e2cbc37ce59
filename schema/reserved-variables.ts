/**
 * Variable names a customer may not take for its credentials. A credential variable is read from the operator's
 * shell or env file (compose interpolates `${NAME}`), put into Kubernetes Secrets under that key, and a gateway token
 * variable is set by that name in the agent's own container. A name that the outputs, the images or the process
 * already use for something else would hand the customer's value to it, or the operator's to the customer:
 * `tokenEnv: 'AGENT_API_TOKEN'` would make a customer's MCP token the agent's admin token.
 */
/** Names a shell, the C library, Node.js or a container runtime gives meaning to. */
const PROCESS_VARIABLES = [
  'HOME', 'PATH', 'USER', 'LOGNAME', 'PWD', 'OLDPWD', 'SHELL', 'SHLVL', 'IFS', 'PS1', 'PS2', 'PS4', 'ENV', 'BASH_ENV',
  'CDPATH', 'PROMPT_COMMAND', 'MAIL', 'EDITOR', 'VISUAL', 'PAGER', 'TERM', 'TZ', 'LANG', 'LANGUAGE', 'TMPDIR',
  'HOSTNAME', 'DISPLAY', 'UID', 'EUID', 'GID', 'PPID', 'RANDOM', 'SECONDS', 'OPTARG', 'OPTIND',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY', 'FTP_PROXY', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'CURL_CA_BUNDLE',
  'REQUESTS_CA_BUNDLE', 'KUBECONFIG', 'PYTHONPATH', 'PYTHONSTARTUP', 'PYTHONHOME', 'PERL5LIB', 'RUBYOPT', 'JAVA_TOOL_OPTIONS',
  'GODEBUG', 'GOMAXPROCS', 'GOMEMLIMIT', 'GOGC',
] as const;

/** Prefixes of whole families: the agent's and mcpfleet's own settings, the loader, locales, tools the operator runs. */
const RESERVED_PREFIXES = [
  'AGENT_', 'MCPFLEET_', 'LD_', 'DYLD_', 'LC_', 'NODE_', 'NPM_CONFIG_', 'BASH_FUNC_', 'DOCKER_', 'COMPOSE_', 'KUBERNETES_',
  'GIT_', 'XDG_', 'SSH_', 'OTEL_',
] as const;

const PROCESS_SET = new Set<string>(PROCESS_VARIABLES);

/**
 * Why `name` cannot be a customer's credential variable, or undefined when it can. The variables the servers' images
 * read are checked by the customer schema, which knows the catalog (see `serverVariableReason`).
 */
export function reservedVariableReason(name: string): string | undefined {
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix === 'AGENT_' || prefix === 'MCPFLEET_') return `names starting with ${prefix} are the agent runtime's and mcpfleet's own settings`;
  if (prefix) return `names starting with ${prefix} belong to the process, its loader or the operator's tools`;
  if (PROCESS_SET.has(name)) return `${name} is set by the shell or the process, and compose would take the operator's own value`;
  return undefined;
}

/** The message for a credential variable that a server's container reads itself. */
export function serverVariableMessage(name: string, type: string): string {
  return `${name} is not available: it is a variable the ${type} server's container reads; choose a name of your own, e.g. one ending in the customer id (GRAFANA_TOKEN_ACME)`;
}

/**
 * Long runs of mixed letters and digits are what keys and tokens look like (AKIA…, base32 secrets); names and words
 * are not. True when `text` has a run of 16 or more letters and digits that mixes both.
 */
export function hasKeyLikeRun(text: string): boolean {
  return (text.match(/[A-Za-z0-9]{16,}/g) ?? []).some((run) => /\d/.test(run) && /[A-Za-z]/.test(run));
}
