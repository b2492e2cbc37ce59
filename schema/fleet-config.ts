/**
 * Fleet-wide settings (`fleet.config.ts`): image and resource overrides per type, the host port range.
 * Every field has a default, so an empty config is valid.
 */
import { z } from 'zod';
import { describeValue } from '../fleet/problem.ts';
import { mcpTypeNames } from '../mcp-types/index.ts';
import type { McpTypeName } from './index.ts';
import type { FleetPlugin } from './plugin.ts';
import { dnsLabel } from './fields.ts';

const port = z.int().min(1024).max(65535);

/**
 * A Docker image reference, `[registry[:port]/]path[:tag][@sha256:digest]`, in the grammar of distribution/reference:
 * nothing else can be pulled, and a `$` or a space would be read by compose as interpolation or split by a shell.
 */
const imageReference = z
  .string()
  .regex(
    /^(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    { message: 'must be an image reference such as grafana/mcp-grafana:0.18.0 or registry.example.com:5000/team/image@sha256:<64 hex>' },
  );

const resourcesOverride = z.strictObject({
  cpus: z.string().regex(/^\d+(\.\d+)?$/, { message: 'must be a number of cores such as "0.5"' }).optional(),
  memory: z.string().regex(/^\d+[KMG]$/, { message: 'must be a size such as "256M" or "1G"' }).optional(),
});

/** Where the Kubernetes output takes credentials from when not from a Secret created by scripts/k8s-secrets.mjs. */
const kubernetesSettings = z.strictObject({
  externalSecrets: z
    .strictObject({
      storeName: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { message: 'must be a Kubernetes object name (lowercase DNS subdomain)' })
        .max(253)
        .describe('Name of the External Secrets store holding the credentials.'),
      storeKind: z
        .enum(['SecretStore', 'ClusterSecretStore'])
        .describe('ClusterSecretStore: one store for every namespace; SecretStore: a store of that name in each customer namespace.'),
      remoteKeyPrefix: z
        .string()
        .min(1)
        .optional()
        .describe('Put before each credential variable name to form its remote key, e.g. "mcpfleet/" → mcpfleet/GRAFANA_TOKEN_ACME.'),
    })
    .optional()
    .describe('Generate ExternalSecret objects (external-secrets.io/v1beta1) for the mcp-credentials Secret of each customer namespace.'),
});

/** A Swarm placement constraint as `docker service create --constraint` takes it; `{customer}` is replaced per customer. */
const placementConstraint = z
  .string()
  .regex(/^[A-Za-z0-9_.{}-]+\s*(==|!=)\s*[^\s]+$/, { message: 'must be a Swarm constraint such as "node.labels.mcp.customer == {customer}" or "node.role != manager"' });

/** Settings of the Docker Swarm output (out/swarm/). */
/** Settings of the Docker Swarm output (out/swarm/), for a fleet whose MCP types are `typeNames`. */
const swarmSettingsFor = (typeNames: TypeNames) => z.strictObject({
  placement: z
    .array(placementConstraint)
    .optional()
    .describe('Placement constraints of every MCP server service; "{customer}" becomes the customer id, e.g. "node.labels.mcp.customer == {customer}".'),
  skipHealthcheck: z
    .array(z.enum(typeNames))
    .optional()
    .describe('Types whose in-container healthcheck is left out, e.g. when types.<type>.image names an image without the tool the check runs; Swarm replaces a task whose healthcheck fails.'),
  agentStack: dnsLabel
    .max(40)
    .optional()
    .describe('Stack name of the agent runtime (default "mcp-agent"), e.g. to run a second fleet\'s agent on the same swarm.'),
});

/**
 * A Prometheus duration as rules and scrape configs take it (`30s`, `5m`, `1h30m`): units in descending order, each
 * at most once, as Prometheus' own parser requires.
 */
const promDuration = z
  .string()
  .regex(/^(?!$)(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/, { message: 'must be a Prometheus duration such as "30s", "5m" or "1h30m"' });

/** One alert on a rate over a window: when the value stays above `threshold` for `for`. */
const rateAlert = <T extends z.ZodType<number>>(threshold: T, window: string, holdFor: string) =>
  z.strictObject({
    threshold,
    window: promDuration.default(window).describe('Range of the rate() the value is computed over.'),
    for: promDuration.default(holdFor).describe('How long the value must stay above the threshold before the alert fires.'),
  });

/** Settings of the generated monitoring (out/monitoring/ and out/k8s/monitoring.yaml); see docs/observability.md. */
const monitoringSettings = z.strictObject({
  serverDownFor: promDuration
    .default('5m')
    .describe('McpServerDown fires when no agent replica reached an MCP server (mcpfleet_upstream_up == 0) for this long.'),
  agentDownFor: promDuration.default('5m').describe('McpAgentDown fires when Prometheus could not scrape the agent runtime for this long.'),
  errorRatio: rateAlert(
    z.number().gt(0).lt(1).default(0.05).describe('Share of a customer\'s tool calls that end upstream_error or timeout, e.g. 0.05 = 5%.'),
    '5m',
    '10m',
  )
    .prefault({})
    .describe('McpErrorRatioHigh, per customer.'),
  latencyP95: rateAlert(
    z.number().positive().default(2).describe('Seconds: the 95th percentile of a customer\'s tools/call durations to its upstream servers.'),
    '5m',
    '10m',
  )
    .prefault({})
    .describe('McpLatencyP95High, per customer.'),
  scrapeInterval: promDuration.default('30s').describe('How often Prometheus scrapes the agent runtime\'s /metrics.'),
  scrapeWithToken: z
    .boolean()
    .default(true)
    .describe('Scrape /metrics with the bearer token AGENT_API_TOKEN (compose: from tokenFile; Kubernetes: Secret mcp-agent, key AGENT_API_TOKEN, which must then exist).'),
  tokenFile: z
    .string()
    .regex(/^\/[^\s]*$/, { message: 'must be an absolute path without spaces, e.g. /etc/prometheus/secrets/mcpfleet-agent-token' })
    .default('/etc/prometheus/secrets/mcpfleet-agent-token')
    .describe('File on the Prometheus host holding the value of AGENT_API_TOKEN (an empty file when the agent runs without one).'),
  prometheusOperator: z
    .boolean()
    .default(true)
    .describe('Write a ServiceMonitor and a PrometheusRule (monitoring.coreos.com/v1) to out/k8s/monitoring.yaml and list it in the kustomization; false on clusters without the Prometheus Operator\'s CRDs.'),
  operatorLabels: z
    .record(z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/), z.string().max(63))
    .optional()
    .describe('Extra labels on the ServiceMonitor and PrometheusRule, for the Prometheus\' selectors, e.g. { release: "kube-prometheus-stack" }.'),
});

/** The monitoring settings when fleet.config.ts says nothing about them. */
export const MONITORING_DEFAULTS = monitoringSettings.parse({});

/**
 * A field that must match `pattern`; when it does not, the message says what was given after what to write
 * (`describeValue` shows a short plain value and only the kind and size of anything that could be a secret).
 */
const matching = (pattern: RegExp, fix: string) => z.string().regex(pattern, { error: (issue) => `${fix}; got ${describeValue(issue.input)}` });

/** A Kubernetes object name (lowercase RFC 1123 subdomain). */
const objectName = matching(
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  'must be a Kubernetes object name: lowercase a-z, 0-9, "-" and ".", starting and ending with a letter or digit, e.g. "mcpfleet"',
);
/** A Kubernetes namespace name (lowercase RFC 1123 label). */
const namespaceName = matching(
  /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
  'must be a namespace name: at most 63 of a-z, 0-9 and "-", starting and ending with a letter or digit, e.g. "argocd" or "flux-system"',
);

/** Why `value` is no Git repository URL Argo CD can clone without putting a credential into out/, or undefined. */
function gitRepositoryUrlProblem(value: string): string | undefined {
  const example = 'e.g. https://github.com/acme/mcpfleet.git or git@github.com:acme/mcpfleet.git';
  if (/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s/][^\s]*$/.test(value)) return undefined; // scp-like: git@host:path
  if (!/^(https?|ssh):\/\/[^\s]+$/.test(value) || !URL.canParse(value) || new URL(value).hostname === '') {
    return `must be the Git repository Argo CD reads, as https://host/path, ssh://[user@]host/path or user@host:path, ${example}; got ${describeValue(value)}`;
  }
  const url = new URL(value);
  if (url.password !== '' || (url.username !== '' && url.protocol !== 'ssh:')) {
    // The value is not shown: it holds a credential.
    return `must not carry a user name, password or token (…://user:token@host/…): Argo CD takes credentials from its repository Secret, and this URL is written into out/; write it without them, ${example}`;
  }
  return undefined;
}

/** Where the GitOps controllers find this repository's out/, and their settings (see docs/gitops.md). */
const gitopsSettings = z
  .strictObject({
    path: matching(
      /^(\.|(?!\.\.?(\/|$))[A-Za-z0-9._-]+(\/(?!\.\.?(\/|$))[A-Za-z0-9._-]+)*)$/,
      'must be the folder of out/ in the Git repository, relative to its root, such as "out" or "deploy/mcpfleet/out" ("." when out/ itself is the root), with no leading or trailing "/" and no "." or ".." segment',
    )
      .default('out')
      .describe('Folder of the generated out/ in the Git repository the controllers read, relative to its root (default "out": this repository as it is).'),
    argocd: z
      .strictObject({
        repoURL: z
          .string()
          .superRefine((value, ctx) => {
            const problem = gitRepositoryUrlProblem(value);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          })
          .describe('The Git repository holding out/, as Argo CD clones it (credentials live in Argo CD\'s repository Secret, never here).'),
        targetRevision: matching(/^[A-Za-z0-9_][A-Za-z0-9._/+-]*$/, 'must be a branch, tag or commit such as "main", "v1.4.0" or "HEAD"')
          .max(255)
          .default('HEAD')
          .describe('Branch, tag or commit Argo CD syncs (default "HEAD", the repository\'s default branch).'),
        project: objectName.default('default').describe('Argo CD project of the Applications (default "default").'),
        destinationServer: z
          .string()
          .superRefine((value, ctx) => {
            if (/^https:\/\/[^\s/@]+(\/[^\s]*)?$/.test(value) && URL.canParse(value)) return;
            ctx.addIssue({
              code: 'custom',
              message: `must be the https:// API server URL of the target cluster as Argo CD knows it, e.g. https://kubernetes.default.svc (the cluster Argo CD runs in); got ${describeValue(value)}`,
            });
          })
          .default('https://kubernetes.default.svc')
          .describe('API server of the cluster the fleet is deployed to (default https://kubernetes.default.svc, the cluster Argo CD runs in).'),
        namespace: namespaceName.default('argocd').describe('Namespace of Argo CD, where the ApplicationSet and the Applications live (default "argocd").'),
      })
      .optional()
      .describe('Write out/gitops/argocd/: an ApplicationSet with one Application per customer and an Application for the agent.'),
    flux: z
      .strictObject({
        sourceRef: z
          .strictObject({
            kind: z
              .enum(['GitRepository', 'OCIRepository', 'Bucket'], {
                error: (issue) => `must be "GitRepository", "OCIRepository" or "Bucket" (the kind of the Flux source holding out/); got ${describeValue(issue.input)}`,
              })
              .default('GitRepository')
              .describe('Kind of the Flux source (default GitRepository).'),
            name: objectName.describe('Name of the Flux source that holds this repository, e.g. "flux-system" after flux bootstrap.'),
            namespace: namespaceName.optional().describe('Namespace of the source (default: the Kustomizations\' namespace).'),
          })
          .describe('The Flux source (made by flux bootstrap or by hand) that holds out/.'),
        interval: matching(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, 'must be a duration in Go syntax such as "10m", "1h" or "1m30s"')
          .default('10m')
          .describe('How often Flux reconciles each Kustomization (default "10m").'),
        prune: z.boolean().default(true).describe('Delete from the cluster what a Kustomization no longer holds, e.g. a removed customer\'s objects (default true).'),
        namespace: namespaceName.default('flux-system').describe('Namespace of the Flux Kustomizations (default "flux-system").'),
      })
      .optional()
      .describe('Write out/gitops/flux/: a Flux Kustomization per customer, each depending on the agent\'s.'),
  })
  .refine((gitops) => gitops.argocd !== undefined || gitops.flux !== undefined, {
    message: 'turns on no output: set argocd, flux or both (see docs/gitops.md), or remove gitops to write no GitOps files',
  });

const typeOverride = z.strictObject({
  image: imageReference.optional().describe('Image to run instead of the catalog default.'),
  args: z.array(z.string()).optional().describe('Container arguments instead of the catalog default.'),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional().describe('Extra literal environment.'),
  resources: resourcesOverride.optional(),
});

/** MCP type names of a fleet: the built-in ones and its plugins'. */
type TypeNames = readonly [string, ...string[]];

/**
 * A plugin as the fleet config lists it. Only its name is checked here; fleet/plugins.ts checks the rest (its types
 * and generators, clashes between plugins) and names the plugin in every problem. The Fleet keeps their names only.
 */
const pluginEntry = z
  .looseObject({ name: z.string().describe('The plugin\'s name.') })
  .describe('A plugin: the default export of a module made with definePlugin({ name, mcpTypes?, generators? }).');

/** The fleet config schema for a fleet whose MCP types are `typeNames` (the built-in ones and its plugins'). */
function buildFleetConfigSchema(typeNames: TypeNames) {
  return z
  .strictObject({
    plugins: z
      .array(pluginEntry)
      .default([])
      .describe('Plugins whose MCP types and generators the fleet uses, e.g. plugins: [prometheusPlugin] (imported from their modules).'),
    ports: z
      .strictObject({
        base: port.default(20000).describe('First host port handed out.'),
        max: port.default(29999).describe('Last host port handed out.'),
      })
      .default({ base: 20000, max: 29999 })
      .refine((p) => p.base <= p.max, 'base must not be greater than max'),
    imageRegistry: z
      .string()
      .regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, { message: 'must be a registry host with an optional path, e.g. registry.example.com/mirror' })
      .optional()
      .describe('Pull every image through this registry (mirror) instead of its public one.'),
    resources: resourcesOverride.optional().describe('Default limits for every server, below per-type overrides.'),
    agent: z
      .strictObject({
        image: imageReference.optional().describe('Agent runtime image instead of the one built from runtime/Dockerfile.'),
        hostPort: port.default(8080).describe('Port of the agent API and page on 127.0.0.1 of the Docker host.'),
        resources: resourcesOverride.optional(),
        replicas: z
          .int()
          .min(1)
          .max(50)
          .default(2)
          .describe('Agent runtime replicas in Kubernetes and Swarm (any replica serves any request; sessions are sealed with AGENT_SESSION_SECRET).'),
        maxReplicas: z
          .int()
          .min(1)
          .max(100)
          .optional()
          .describe('Upper bound of the Kubernetes HorizontalPodAutoscaler (CPU); default twice `replicas`.'),
        balancerImage: imageReference
          .optional()
          .describe('HAProxy image of the balancer in front of the agent replicas on Swarm and in the compose replicas override (default haproxy:2.8-alpine).'),
      })
      .default({ hostPort: 8080, replicas: 2 })
      .refine((a) => a.maxReplicas === undefined || a.maxReplicas >= a.replicas, { message: 'maxReplicas must not be below replicas', path: ['maxReplicas'] })
      .describe('The agent runtime service.'),
    types: z.partialRecord(z.enum(typeNames), typeOverride).default({}).describe('Per-type overrides.'),
    kubernetes: kubernetesSettings.optional().describe('Settings of the Kubernetes output (out/k8s/).'),
    swarm: swarmSettingsFor(typeNames).optional().describe('Settings of the Docker Swarm output (out/swarm/).'),
    monitoring: monitoringSettings.prefault({}).describe('Alert thresholds and scrape settings of the generated monitoring (out/monitoring/).'),
    gitops: gitopsSettings.optional().describe('GitOps outputs (out/gitops/): an Argo CD ApplicationSet and Flux Kustomizations over out/k8s; off unless set.'),
  })
  .default({ plugins: [], ports: { base: 20000, max: 29999 }, agent: { hostPort: 8080, replicas: 2 }, types: {}, monitoring: MONITORING_DEFAULTS });
}

/** A fleet config schema: validates what `fleet.config.ts` exports into a {@link FleetConfig}. */
export type FleetConfigSchema = ReturnType<typeof buildFleetConfigSchema>;

const schemas = new Map<string, FleetConfigSchema>();

/** The fleet config schema of a fleet whose MCP types are named `typeNames` (made once per set of names). */
export function fleetConfigSchemaFor(typeNames: readonly string[]): FleetConfigSchema {
  const key = typeNames.join('\0');
  let schema = schemas.get(key);
  if (!schema) schemas.set(key, (schema = buildFleetConfigSchema(typeNames as unknown as TypeNames)));
  return schema;
}

/** The fleet config schema with the built-in MCP types only. */
export const fleetConfigSchema = fleetConfigSchemaFor(mcpTypeNames);

type TypeOverrideInput = z.input<typeof typeOverride>;
type SchemaInput = NonNullable<z.input<FleetConfigSchema>>;

/**
 * The fleet config as `fleet.config.ts` writes it. Per-type settings are typed by the names of the types the program
 * knows (built-in and plugins', see McpServerTypes), and plugins are the imported plugin objects.
 */
export type FleetConfigInput = Omit<SchemaInput, 'plugins' | 'types' | 'swarm'> & {
  plugins?: readonly FleetPlugin[];
  types?: Partial<Record<McpTypeName, TypeOverrideInput>>;
  swarm?: Omit<NonNullable<SchemaInput['swarm']>, 'skipHealthcheck'> & { skipHealthcheck?: McpTypeName[] };
};
/** The validated fleet config; `plugins` holds the plugins' names (the live plugins are kept beside the Fleet). */
export type FleetConfig = Omit<z.output<FleetConfigSchema>, 'plugins'> & { plugins: string[] };

/** Typed identity for `fleet.config.ts`. */
export function defineFleetConfig(config: FleetConfigInput): FleetConfigInput {
  return config;
}
