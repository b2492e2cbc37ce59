/**
 * CLI entry of the agent runtime: `tsx runtime/main.ts` (`pnpm agent`). Loads and validates the config, starts the
 * API on 127.0.0.1:8080 by default, and shuts down cleanly on SIGINT/SIGTERM. A bad option or config prints one line
 * naming the path and field, and exits 1.
 */
import { AgentRuntime } from './agent-runtime.ts';
import { isLoopback, startApiServer } from './api-server.ts';
import { ConfigError, credentialEnvNames, loadConfig } from './config.ts';
import { Gateway } from './gateway/gateway.ts';
import { GatewayAuth } from './gateway/gateway-auth.ts';
import { bufferedStdout, createLogger } from './logger.ts';
import { OptionsError, parseOptions, USAGE } from './options.ts';
import { Redactor } from './redact.ts';
import { SessionSeal, SessionSecretError, sessionSecretsFromEnv } from './sessions/session-seal.ts';
import { HealthProbe } from './metrics/health-probe.ts';
import { RuntimeMetrics } from './metrics/runtime-metrics.ts';
import { startTracing, stopTracing } from './metrics/tracing.ts';
import { composeFileBeside, ComposeFileError, composeHint, publishedPorts, rewriteUpstreams, unresolvedServiceHosts } from './upstream-hosts.ts';

async function main(): Promise<number> {
  let options;
  let loaded;
  let sessionSecrets: string[];
  let seal: SessionSeal | undefined;
  let upstreamRewrite: { file: string; rewritten: number; missing: string[] } | undefined;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
    if (options === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    loaded = loadConfig(options.configPath, options.schemaPath ? { schemaPath: options.schemaPath } : {});
    if (options.upstreamComposeFile) {
      const rewrite = rewriteUpstreams(loaded.config, publishedPorts(options.upstreamComposeFile));
      loaded = { ...loaded, config: rewrite.config };
      upstreamRewrite = { file: options.upstreamComposeFile, rewritten: rewrite.rewritten, missing: rewrite.missing };
    }
    sessionSecrets = sessionSecretsFromEnv(process.env);
    seal = sessionSecrets.length > 0 ? new SessionSeal(sessionSecrets) : undefined;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof OptionsError || error instanceof SessionSecretError || error instanceof ComposeFileError) {
      process.stderr.write(`agent: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const redactor = Redactor.fromEnv(process.env, credentialEnvNames(loaded.config), sessionSecrets);
  const write = bufferedStdout();
  const logger = createLogger({ level: options.logLevel, redactor, write });
  const runtime = new AgentRuntime(loaded.config, {
    connection: { connectTimeoutMs: options.connectTimeoutMs, callTimeoutMs: options.callTimeoutMs },
    poolSize: options.poolSize,
    logger,
    redactor,
    toolLocksDir: options.toolLocksDir,
  });
  let stopRequested: (signal: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (stopRequested = resolve));
  process.once('SIGINT', () => stopRequested('SIGINT'));
  process.once('SIGTERM', () => stopRequested('SIGTERM'));
  const gatewayAuth = new GatewayAuth(loaded.config, process.env, options.apiToken);
  // The gauges read the gateway and the pool when scraped.
  const metrics: RuntimeMetrics | undefined = options.metrics ? new RuntimeMetrics({ sessions: () => gateway?.sessionCounts() ?? [], pooledCustomers: () => runtime.pooledCustomers().length }) : undefined;
  const gateway: Gateway | undefined = options.gateway
    ? new Gateway(runtime, {
        auth: gatewayAuth,
        logger,
        auditArguments: options.auditArguments,
        idleTimeoutMs: options.gatewayIdleTimeoutMs,
        maxSessions: options.gatewayMaxSessions,
        maxSessionsPerCustomer: options.gatewayMaxSessionsPerCustomer,
        logRepeatIntervalMs: options.logRepeatIntervalMs,
        ...(seal && { seal }),
        ...(metrics && { metrics }),
      })
    : undefined;
  const tracing = await startTracing(process.env, logger);
  let api;
  try {
    api = await startApiServer(runtime, {
      host: options.host,
      port: options.port,
      logger,
      ...(options.apiToken ? { apiToken: options.apiToken } : {}),
      ...(gateway ? { gateway } : {}),
      allowedOrigins: options.gatewayAllowedOrigins,
      headersTimeoutMs: options.httpHeadersTimeoutMs,
      requestTimeoutMs: options.httpRequestTimeoutMs,
      maxConnections: options.httpMaxConnections,
      maxConnectionsPerAddress: options.httpMaxConnectionsPerAddress,
      logRepeatIntervalMs: options.logRepeatIntervalMs,
      ...(metrics && { metrics }),
      customerAuth: gatewayAuth,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(`agent: cannot listen on ${options.host}:${options.port}: ${code ?? (error as Error).message}\n`);
    await gateway?.close();
    return 1;
  }
  // The startup line is printed at any log level: operators (and the tests) look for the URL.
  createLogger({ level: 'info', redactor, write }).info('listening', {
    url: api.url,
    config: loaded.configPath,
    schema: loaded.schemaPath,
    customers: loaded.config.customers.length,
    auth: options.apiToken ? 'bearer' : 'none',
    connect_timeout_ms: options.connectTimeoutMs,
    pool_size: options.poolSize,
    gateway: gateway ? `${api.url}/customers/<id>/mcp` : 'off',
    metrics: metrics ? `${api.url}/metrics` : 'off',
    tracing: tracing ? 'otlp' : 'off',
    audit_arguments: options.auditArguments,
    sessions: seal ? 'sealed (any replica with the same AGENT_SESSION_SECRET serves them)' : 'this process only',
  });
  if (upstreamRewrite) {
    logger.info('upstream URLs rewritten to the ports the compose file publishes', { file: upstreamRewrite.file, rewritten: upstreamRewrite.rewritten });
    if (upstreamRewrite.missing.length) logger.warn('compose service hosts not published in the compose file: left as configured', { file: upstreamRewrite.file, hosts: upstreamRewrite.missing.slice(0, 20) });
  } else {
    // On the host, a config generated for compose names services that resolve only inside the compose network.
    const config = loaded.config;
    const configPath = loaded.configPath;
    void unresolvedServiceHosts(config).then((unresolved) => {
      if (unresolved.length) logger.warn(composeHint(unresolved, config, composeFileBeside(configPath)), { hosts: unresolved.slice(0, 20) });
    });
  }
  const health = metrics ? new HealthProbe(runtime, metrics, options.healthIntervalMs, logger) : undefined;
  health?.start();
  if (!isLoopback(options.host) && !options.apiToken) {
    logger.warn('listening on a non-loopback address without AGENT_API_TOKEN: anyone who can reach this port can call tools', { host: options.host });
  }
  if (gateway && !isLoopback(options.host)) {
    const open = loaded.config.customers.filter((c) => gatewayAuth.mode(c.id) === 'none').map((c) => c.id);
    if (open.length) logger.warn('listening on a non-loopback address: these customers\' MCP endpoints need no token', { customers: open.slice(0, 50) });
  }
  const signal = await stopped;
  // SIGTERM is an orchestrator's stop: drain. SIGINT is someone at a terminal: no delay, a short wait.
  const drain = signal === 'SIGTERM' ? { delayMs: options.drainDelayMs, timeoutMs: options.drainTimeoutMs } : { delayMs: 0, timeoutMs: Math.min(options.drainTimeoutMs, 5_000) };
  logger.info('shutting down', { signal, drain_delay_ms: drain.delayMs, drain_timeout_ms: drain.timeoutMs });
  const limitMs = drain.delayMs + drain.timeoutMs + 5_000;
  const forced = setTimeout(() => {
    logger.warn(`shutdown took longer than ${limitMs / 1000} s; exiting`);
    process.exit(0);
  }, limitMs);
  forced.unref();
  const stoppingHealth = health?.stop();
  const cut = await api.drain(drain);
  await stoppingHealth;
  if (cut > 0) logger.warn('requests still in flight at the drain timeout were cut', { requests: cut, drain_timeout_ms: drain.timeoutMs });
  await runtime.close();
  logger.info('stopped');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`agent: fatal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
