import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { allServers, type Fleet, type FleetServer } from '../../fleet/model.ts';
import { GENERATED_MARKER } from '../../generators/generator.ts';
import { generators } from '../../generators/index.ts';
import { AGENT_NAMESPACE, AGENT_POD_LABELS, AGENT_SESSION_SECRET, CREDENTIALS_SECRET, kubernetesGenerator, SERVERS_CONFIGMAP } from '../../generators/kubernetes/index.ts';
import { runtimeConfig } from '../../generators/runtime-config.ts';
import { runtimeConfigSchema } from '../../schema/runtime-config.ts';
import {
  CUSTOMERS,
  DNS_1123_LABEL,
  fleetOf,
  generate,
  isCoreApi,
  type K8sObject,
  NO_CREDENTIALS,
  objectsOf,
  parseDocs,
  unknownFields,
  validateWithModels,
  writeTree,
} from './kubernetes-fixtures.ts';

const fleet = fleetOf();
const files = generate(fleet);
const objects = objectsOf(files).map((o) => o.object);
const ofKind = (kind: string, list: K8sObject[] = objects) => list.filter((o) => o.kind === kind);
const deploymentOf = (server: FleetServer) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === server.serviceName)!;
const containerOf = (server: FleetServer) => deploymentOf(server).spec.template.spec.containers[0];

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('kubernetes generator: files', () => {
  it('is registered as "k8s"', () => {
    expect(generators).toContain(kubernetesGenerator);
    expect(kubernetesGenerator.name).toBe('k8s');
  });

  it('writes a kustomization, the agent part and one file per customer, each starting with the marker', () => {
    expect([...files.keys()].sort()).toEqual([
      'k8s/agent.yaml',
      'k8s/customers/nordlicht-energie.yaml',
      'k8s/customers/segurcaixa.yaml',
      'k8s/customers/vattenfall-de.yaml',
      'k8s/kustomization.yaml',
      'k8s/monitoring.yaml',
    ]);
    for (const [file, content] of files) expect(content.startsWith(`# ${GENERATED_MARKER}\n`), file).toBe(true);
    const kustomization = YAML.parse(files.get('k8s/kustomization.yaml')!);
    expect(kustomization).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['agent.yaml', 'monitoring.yaml', 'customers/nordlicht-energie.yaml', 'customers/segurcaixa.yaml', 'customers/vattenfall-de.yaml'],
    });
  });

  it('puts each customer\'s objects in its own file and namespace', () => {
    for (const customer of fleet.customers) {
      const own = parseDocs(files.get(`k8s/customers/${customer.id}.yaml`)!);
      expect(own[0]).toMatchObject({ kind: 'Namespace', metadata: { name: customer.namespace } });
      for (const object of own.slice(1)) expect(object.metadata.namespace, `${object.kind} ${object.metadata.name}`).toBe(customer.namespace);
      expect(ofKind('Deployment', own).map((d) => d.metadata.name)).toEqual(customer.servers.map((s) => s.serviceName));
    }
  });
});

describe('kubernetes generator: validity', () => {
  it('every object passes kubernetes-models validation and has no field unknown to Kubernetes 1.28', () => {
    // agent: Namespace, ConfigMap, Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler; monitoring:
    // ServiceMonitor + PrometheusRule; per customer: Namespace + 2 NetworkPolicies; per server: Deployment + Service
    expect(objects.length).toBe(6 + 2 + 3 * 3 + 2 * allServers(fleet).length);
    for (const object of objects) {
      const where = `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      expect(() => validateWithModels(object), where).not.toThrow();
      if (isCoreApi(object)) expect(unknownFields(object), where).toEqual([]);
    }
  });

  it('the checks catch a misspelt field, a wrong type and an unknown kind', () => {
    const deployment = structuredClone(ofKind('Deployment')[0]!);
    deployment.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    deployment.spec.template.spec.securityContext.runAsNonroot = true;
    expect(unknownFields(deployment)).toEqual(['/spec/template/spec/containers/0/imagePullPolicyy', '/spec/template/spec/securityContext/runAsNonroot']);
    const policy = structuredClone(ofKind('NetworkPolicy')[1]!);
    policy.spec.ingress[0].from[0].podSelectors = {};
    expect(unknownFields(policy)).toEqual(['/spec/ingress/0/from/0/podSelectors']);

    const wrongType = structuredClone(ofKind('Deployment')[0]!);
    wrongType.spec.replicas = '1';
    expect(() => validateWithModels(wrongType)).toThrow(/replicas/);
    expect(() => validateWithModels({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } })).toThrow(/no kubernetes-models validator/);

    // An autoscaling/v2 HPA is checked against the v2 API: a v1 field is unknown there, and a v2 field with a wrong type fails.
    const hpa = structuredClone(ofKind('HorizontalPodAutoscaler')[0]!);
    expect(unknownFields(hpa)).toEqual([]);
    hpa.spec.targetCPUUtilizationPercentage = 70;
    expect(unknownFields(hpa)).toEqual(['/spec/targetCPUUtilizationPercentage']);
    const badHpa = structuredClone(ofKind('HorizontalPodAutoscaler')[0]!);
    badHpa.spec.metrics[0].resource.target.averageUtilization = '70%';
    expect(() => validateWithModels(badHpa)).toThrow();
    const pdb = structuredClone(ofKind('PodDisruptionBudget')[0]!);
    pdb.spec.maxUnavaliable = 1;
    expect(unknownFields(pdb)).toEqual(['/spec/maxUnavaliable']);
  });

  it('kubectl kustomize builds the whole tree', () => {
    const dir = writeTree(files);
    tempDirs.push(dir);
    const built = parseDocs(execFileSync('kubectl', ['kustomize', `${dir}/k8s`], { encoding: 'utf8' }));
    const count = (kind: string) => built.filter((o) => o.kind === kind).length;
    expect(count('Namespace')).toBe(fleet.customers.length + 1);
    expect(count('Deployment')).toBe(allServers(fleet).length + 1);
    expect(count('Service')).toBe(allServers(fleet).length + 1);
    expect(count('NetworkPolicy')).toBe(2 * fleet.customers.length);
    expect(count('ConfigMap')).toBe(1);
    expect(count('PodDisruptionBudget')).toBe(1);
    expect(count('HorizontalPodAutoscaler')).toBe(1);
    expect(count('Secret')).toBe(0);
    expect(built.length).toBe(objects.length);
  });
});

describe('kubernetes generator: workloads', () => {
  it('runs one replica per server, pulls IfNotPresent and uses the model\'s image and args', () => {
    for (const server of allServers(fleet)) {
      const deployment = deploymentOf(server);
      expect(deployment.spec.replicas).toBe(1);
      const container = containerOf(server);
      expect(container.imagePullPolicy).toBe('IfNotPresent');
      expect(container.image).toBe(server.image);
      expect(container.args ?? []).toEqual(server.args);
      expect(container.ports).toEqual([{ containerPort: server.containerPort, name: 'mcp' }]);
    }
    // grafana's allowed hosts include the in-cluster names the agent uses
    const grafana = allServers(fleet).find((s) => s.key === 'vattenfall-de/grafana')!;
    expect(containerOf(grafana).args).toContain('mcp-grafana-vattenfall-de,mcp-grafana-vattenfall-de.mcp-vattenfall-de,mcp-grafana-vattenfall-de.mcp-vattenfall-de.svc,mcp-grafana-vattenfall-de.mcp-vattenfall-de.svc.cluster.local,localhost,127.0.0.1');
  });

  it('sets limits from the catalog and requests at a quarter of the CPU and half of the memory', () => {
    for (const server of allServers(fleet)) {
      expect(server.resources).toEqual({ cpus: '0.5', memory: '256M' });
      expect(containerOf(server).resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '125m', memory: '128Mi' } });
    }
  });

  it('follows resource overrides of the fleet config', () => {
    const overridden = fleetOf(CUSTOMERS, { resources: { cpus: '2', memory: '1G' }, types: { genesys: { resources: { cpus: '0.25', memory: '100M' } } } });
    const built = objectsOf(generate(overridden)).map((o) => o.object);
    const resourcesOf = (name: string) => built.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!.spec.template.spec.containers[0].resources;
    expect(resourcesOf('mcp-grafana-segurcaixa')).toEqual({ limits: { cpu: '2000m', memory: '1024Mi' }, requests: { cpu: '500m', memory: '512Mi' } });
    expect(resourcesOf('mcp-genesys-vattenfall-de')).toEqual({ limits: { cpu: '250m', memory: '100Mi' }, requests: { cpu: '63m', memory: '50Mi' } });
  });

  it('probes each type as its health data says: grafana by TCP (it checks Host), the others by their health path', () => {
    const expected: Record<string, object> = {
      grafana: { tcpSocket: { port: 8000 } },
      alertmanager: { httpGet: { path: '/health', port: 8000, scheme: 'HTTP' } },
      genesys: { httpGet: { path: '/ping', port: 8000, scheme: 'HTTP' } },
    };
    for (const server of allServers(fleet)) {
      const container = containerOf(server);
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        expect(container[probe], `${server.serviceName} ${probe}`).toMatchObject(expected[server.type]!);
        expect(container[probe].exec).toBeUndefined();
        expect(container[probe].tcpSocket !== undefined).toBe(server.health.kubernetesProbe === 'tcp');
      }
      expect(container.startupProbe.failureThreshold * container.startupProbe.periodSeconds).toBeGreaterThanOrEqual(60);
    }
  });

  it('runs every server non-root, read-only, without capabilities, with seccomp RuntimeDefault and a /tmp emptyDir', () => {
    for (const server of allServers(fleet)) {
      const pod = deploymentOf(server).spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      const container = pod.containers[0];
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container.securityContext.capabilities.add).toBeUndefined();
      expect(container.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'tmp' }]);
      expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    }
    for (const namespace of ofKind('Namespace').filter((n) => n.metadata.name !== AGENT_NAMESPACE)) {
      expect(namespace.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
    }
  });

  it('exposes each server through a ClusterIP Service named serviceName that selects exactly its pods', () => {
    for (const server of allServers(fleet)) {
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === server.serviceName)!;
      expect(service.spec.type).toBe('ClusterIP');
      expect(service.spec.ports).toEqual([{ name: 'mcp', port: server.containerPort, targetPort: server.containerPort, protocol: 'TCP' }]);
      expect(server.kubernetesUrl.startsWith(`http://${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local:${service.spec.ports[0].port}/`)).toBe(true);
      const deployment = deploymentOf(server);
      expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
      const selects = (labels: Record<string, string>) => Object.entries(service.spec.selector as Record<string, string>).every(([k, v]) => labels[k] === v);
      const selected = ofKind('Deployment').filter((d) => d.metadata.namespace === service.metadata.namespace && selects(d.spec.template.metadata.labels));
      expect(selected.map((d) => d.metadata.name)).toEqual([server.serviceName]);
      expect(deployment.spec.template.metadata.labels).toMatchObject({
        'app.kubernetes.io/instance': server.serviceName,
        'mcpfleet.io/customer': server.customerId,
        'mcpfleet.io/type': server.type,
      });
    }
  });

  it('names objects after the model, without hash suffixes or cdk8s labels, as DNS labels of at most 63 characters', () => {
    const names = new Set(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`));
    const expected = new Set([
      `Namespace//${AGENT_NAMESPACE}`,
      `ConfigMap/${AGENT_NAMESPACE}/${SERVERS_CONFIGMAP}`,
      `Deployment/${AGENT_NAMESPACE}/${fleet.agent.serviceName}`,
      `Service/${AGENT_NAMESPACE}/${fleet.agent.serviceName}`,
      `PodDisruptionBudget/${AGENT_NAMESPACE}/${fleet.agent.serviceName}`,
      `HorizontalPodAutoscaler/${AGENT_NAMESPACE}/${fleet.agent.serviceName}`,
      `ServiceMonitor/${AGENT_NAMESPACE}/${fleet.agent.serviceName}`,
      `PrometheusRule/${AGENT_NAMESPACE}/mcpfleet`,
      ...fleet.customers.flatMap((c) => [`Namespace//${c.namespace}`, `NetworkPolicy/${c.namespace}/default-deny-ingress`, `NetworkPolicy/${c.namespace}/allow-mcp-agent`]),
      ...allServers(fleet).flatMap((s) => [`Deployment/mcp-${s.customerId}/${s.serviceName}`, `Service/mcp-${s.customerId}/${s.serviceName}`]),
    ]);
    expect(names).toEqual(expected);
    for (const object of objects) {
      expect(object.metadata.name).toMatch(DNS_1123_LABEL);
      expect(object.metadata.name.length).toBeLessThanOrEqual(63);
    }
    for (const content of files.values()) expect(content).not.toContain('cdk8s.io');
  });
});

describe('kubernetes generator: credentials', () => {
  it('reads every credential from the customer\'s mcp-credentials Secret by its variable name, and writes no Secret', () => {
    for (const server of allServers(fleet)) {
      const env = containerOf(server).env as Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }>;
      expect(env.map((e) => e.name)).toEqual(server.env.map((e) => e.name));
      for (const entry of server.env) {
        const written = env.find((e) => e.name === entry.name)!;
        if ('credential' in entry) expect(written).toEqual({ name: entry.name, valueFrom: { secretKeyRef: { name: CREDENTIALS_SECRET, key: entry.credential.variable } } });
        else expect(written).toEqual({ name: entry.name, value: entry.value });
      }
    }
    expect(allServers(fleet).flatMap((s) => s.credentials)).toHaveLength(8);
    expect(ofKind('Secret')).toEqual([]);
    expect(ofKind('ExternalSecret')).toEqual([]);
  });

  describe('with credential values in the environment', () => {
    const planted = new Map<string, string>();
    afterEach(() => {
      for (const variable of planted.keys()) delete process.env[variable];
      planted.clear();
    });

    it('writes none of them into any file', () => {
      for (const credential of allServers(fleet).flatMap((s) => s.credentials)) {
        const value = `planted-${randomBytes(12).toString('hex')}`;
        planted.set(credential.variable, value);
        process.env[credential.variable] = value;
      }
      const withValues = generate(fleetOf(CUSTOMERS, { kubernetes: { externalSecrets: { storeName: 'vault', storeKind: 'ClusterSecretStore' } } }));
      for (const generated of [generate(fleet), withValues]) {
        for (const [file, content] of generated) {
          for (const [variable, value] of planted) {
            expect(content.includes(value), `${variable}'s value in ${file}`).toBe(false);
            expect(content.includes(Buffer.from(value).toString('base64')), `${variable}'s value (base64) in ${file}`).toBe(false);
          }
        }
      }
    });
  });

  it('generates one ExternalSecret per customer namespace with credentials when the fleet config names a store', () => {
    const withStore = fleetOf({ ...CUSTOMERS, 'open-alerts': NO_CREDENTIALS }, {
      kubernetes: { externalSecrets: { storeName: 'vault-backend', storeKind: 'ClusterSecretStore', remoteKeyPrefix: 'mcpfleet/' } },
    });
    const generated = generate(withStore);
    const built = objectsOf(generated).map((o) => o.object);
    // The agent namespace's session Secret is the subject of its own test (agent part).
    const externalSecrets = ofKind('ExternalSecret', built).filter((e) => e.metadata.namespace !== AGENT_NAMESPACE);
    const dir = writeTree(generated);
    tempDirs.push(dir);
    const kustomized = parseDocs(execFileSync('kubectl', ['kustomize', `${dir}/k8s`], { encoding: 'utf8' }));
    expect(ofKind('ExternalSecret', kustomized)).toHaveLength(3 + 1);
    expect(externalSecrets.map((e) => e.metadata.namespace)).toEqual(['mcp-nordlicht-energie', 'mcp-segurcaixa', 'mcp-vattenfall-de']);
    for (const externalSecret of externalSecrets) {
      const customer = withStore.customers.find((c) => c.namespace === externalSecret.metadata.namespace)!;
      const variables = [...new Set(customer.servers.flatMap((s) => s.credentials.map((c) => c.variable)))];
      expect(externalSecret).toEqual({
        apiVersion: 'external-secrets.io/v1beta1',
        kind: 'ExternalSecret',
        metadata: { name: CREDENTIALS_SECRET, namespace: customer.namespace, labels: expect.objectContaining({ 'mcpfleet.io/customer': customer.id }) },
        spec: {
          refreshInterval: '1h',
          secretStoreRef: { name: 'vault-backend', kind: 'ClusterSecretStore' },
          target: { name: CREDENTIALS_SECRET, creationPolicy: 'Owner' },
          data: variables.map((variable) => ({ secretKey: variable, remoteRef: { key: `mcpfleet/${variable}` } })),
        },
      });
    }
    expect(ofKind('Secret', built)).toEqual([]);
    // Without a prefix the remote key is the variable itself; a namespaced SecretStore is named as given.
    const plain = ofKind('ExternalSecret', objectsOf(generate(fleetOf(CUSTOMERS, { kubernetes: { externalSecrets: { storeName: 'aws', storeKind: 'SecretStore' } } }))).map((o) => o.object)).filter(
      (e) => e.metadata.namespace !== AGENT_NAMESPACE,
    );
    expect(plain[1]!.spec).toMatchObject({ secretStoreRef: { name: 'aws', kind: 'SecretStore' }, data: [{ secretKey: 'GRAFANA_TOKEN_SEGURCAIXA', remoteRef: { key: 'GRAFANA_TOKEN_SEGURCAIXA' } }] });
  });

  it('refuses an External Secrets setting that is not a store reference', () => {
    expect(() => fleetOf(CUSTOMERS, { kubernetes: { externalSecrets: { storeName: 'Vault Store', storeKind: 'ClusterSecretStore' } } })).toThrow(/storeName/);
    expect(() => fleetOf(CUSTOMERS, { kubernetes: { externalSecrets: { storeName: 'vault', storeKind: 'KeyVault' } } })).toThrow(/storeKind/);
    expect(() => fleetOf(CUSTOMERS, { kubernetes: { secretStore: 'vault' } })).toThrow(/secretStore/);
  });
});

describe('kubernetes generator: network isolation', () => {
  type Selector = { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  type Pod = { namespace: string; labels: Record<string, string> };
  const namespaceLabels = (name: string): Record<string, string> => ({
    ...(ofKind('Namespace').find((n) => n.metadata.name === name)?.metadata.labels ?? {}),
    'kubernetes.io/metadata.name': name,
  });
  const matches = (selector: Selector, labels: Record<string, string>) => {
    if (selector.matchExpressions) throw new Error('matchExpressions are not evaluated by this test');
    return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  };
  /** Kubernetes' ingress semantics for the generated policies: may `from` open a connection to `to` on `port`? */
  const admits = (from: Pod, to: Pod, port: number): boolean => {
    const selecting = ofKind('NetworkPolicy').filter((p) => p.metadata.namespace === to.namespace && p.spec.policyTypes.includes('Ingress') && matches(p.spec.podSelector, to.labels));
    if (selecting.length === 0) return true;
    return selecting.some((policy) =>
      (policy.spec.ingress ?? []).some((rule: { from?: Array<Record<string, Selector>>; ports?: Array<{ port: number }> }) => {
        const portOk = !rule.ports || rule.ports.some((p) => p.port === port);
        const peerOk =
          !rule.from ||
          rule.from.some((peer) => {
            if (peer.ipBlock) throw new Error('ipBlock is not evaluated by this test');
            const nsOk = peer.namespaceSelector ? matches(peer.namespaceSelector, namespaceLabels(from.namespace)) : from.namespace === policy.metadata.namespace;
            return nsOk && (!peer.podSelector || matches(peer.podSelector, from.labels));
          });
        return portOk && peerOk;
      }),
    );
  };
  const serverPods = allServers(fleet).map((server) => ({ server, pod: { namespace: `mcp-${server.customerId}`, labels: deploymentOf(server).spec.template.metadata.labels } }));

  it('admits only the agent\'s pods, on the servers\' ports', () => {
    const agent: Pod = { namespace: AGENT_NAMESPACE, labels: { ...AGENT_POD_LABELS, 'pod-template-hash': 'abc' } };
    for (const { server, pod } of serverPods) {
      expect(admits(agent, pod, server.containerPort), `agent → ${server.serviceName}`).toBe(true);
      expect(admits(agent, pod, 9999), `agent → ${server.serviceName}:9999`).toBe(false);
      expect(admits({ namespace: AGENT_NAMESPACE, labels: { 'app.kubernetes.io/name': 'debug' } }, pod, server.containerPort)).toBe(false);
      expect(admits({ namespace: 'default', labels: { ...AGENT_POD_LABELS } }, pod, server.containerPort), 'agent label outside mcp-agent').toBe(false);
      for (const other of serverPods.filter((o) => o.server !== server)) {
        expect(admits(other.pod, pod, server.containerPort), `${other.server.serviceName} → ${server.serviceName}`).toBe(false);
      }
    }
  });

  it('gives every customer namespace a default deny and an allow rule whose only peer is the agent', () => {
    for (const customer of fleet.customers) {
      const policies = ofKind('NetworkPolicy').filter((p) => p.metadata.namespace === customer.namespace);
      const deny = policies.find((p) => p.metadata.name === 'default-deny-ingress')!;
      expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
      const allow = policies.filter((p) => p !== deny);
      expect(allow).toHaveLength(1);
      for (const rule of allow[0]!.spec.ingress) {
        expect(rule.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': AGENT_NAMESPACE } }, podSelector: { matchLabels: AGENT_POD_LABELS } }]);
        expect(rule.ports).toEqual([...new Set(customer.servers.map((s) => s.containerPort))].map((port) => ({ port, protocol: 'TCP' })));
      }
    }
  });
});

describe('kubernetes generator: agent part', () => {
  it('holds the mcp-agent namespace and mcp_servers.json with in-cluster URLs and its schema', () => {
    const agent = parseDocs(files.get('k8s/agent.yaml')!);
    expect(agent.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      `Namespace/${AGENT_NAMESPACE}`,
      `ConfigMap/${SERVERS_CONFIGMAP}`,
      'Deployment/mcp-agent',
      'Service/mcp-agent',
      'PodDisruptionBudget/mcp-agent',
      'HorizontalPodAutoscaler/mcp-agent',
    ]);
    const configMap = agent[1]!;
    expect(configMap.metadata.namespace).toBe(AGENT_NAMESPACE);
    const config = JSON.parse(configMap.data!['mcp_servers.json']!);
    expect(config).toEqual(runtimeConfig(fleet, (s) => s.kubernetesUrl, './mcp_servers.schema.json'));
    expect(runtimeConfigSchema.safeParse(config).success).toBe(true);
    const urls = config.customers.flatMap((c: { mcp_servers: Array<{ url: string }> }) => c.mcp_servers.map((s) => s.url));
    expect(urls).toContain('http://mcp-grafana-vattenfall-de.mcp-vattenfall-de.svc.cluster.local:8000/mcp');
    expect(urls).toHaveLength(allServers(fleet).length);
    expect(JSON.parse(configMap.data!['mcp_servers.schema.json']!)).toMatchObject({ type: 'object', properties: { customers: { type: 'array' } } });
    // literal block scalars keep the JSON diff-friendly: one line per JSON line
    expect(files.get('k8s/agent.yaml')).toContain('mcp_servers.json: |\n    {\n');
  });

  it('runs the agent runtime with the pod labels the customers\' NetworkPolicies admit, reading the ConfigMap', () => {
    const agent = parseDocs(files.get('k8s/agent.yaml')!);
    const deployment = agent.find((o) => o.kind === 'Deployment')!;
    expect(deployment.metadata.namespace).toBe(AGENT_NAMESPACE);
    expect(deployment.spec.template.metadata.labels).toMatchObject(AGENT_POD_LABELS);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.image).toBe(fleet.agent.image);
    expect(pod.volumes).toContainEqual({ name: 'config', configMap: { name: SERVERS_CONFIGMAP } });
    expect(container.volumeMounts).toContainEqual({ name: 'config', mountPath: '/config', readOnly: true });
    expect(container.env).toContainEqual({ name: 'AGENT_CONFIG', value: '/config/mcp_servers.json' });
    expect(container.env).toContainEqual({ name: 'AGENT_API_TOKEN', valueFrom: { secretKeyRef: { name: 'mcp-agent', key: 'AGENT_API_TOKEN', optional: true } } });
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
  });

  it('gives the agent each customer\'s gateway token from its Secret, by key, never by value', () => {
    const withGateway = fleetOf({ ...CUSTOMERS, segurcaixa: { ...CUSTOMERS.segurcaixa!, gateway: { tokenEnv: 'GATEWAY_TOKEN_SEGURCAIXA' } } });
    const agent = parseDocs(generate(withGateway).get('k8s/agent.yaml')!);
    const env = agent.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'GATEWAY_TOKEN_SEGURCAIXA', valueFrom: { secretKeyRef: { name: 'mcp-agent', key: 'GATEWAY_TOKEN_SEGURCAIXA' } } });
  });

  it('runs agent.replicas pods under an HPA that alone owns the count, with a PDB and a spread over nodes', () => {
    const agent = parseDocs(files.get('k8s/agent.yaml')!);
    const deployment = agent.find((o) => o.kind === 'Deployment')!;
    // The HPA owns spec.replicas: a value in the manifest would reset its count on every apply.
    expect(fleet.agent).toMatchObject({ replicas: 2, maxReplicas: 4 });
    expect('replicas' in deployment.spec).toBe(false);
    const hpa = agent.find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata.namespace).toBe(AGENT_NAMESPACE);
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name },
      minReplicas: 2,
      maxReplicas: 4,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    // Utilization is measured against the CPU request, so the container must have one: half of the 500m limit.
    expect(deployment.spec.template.spec.containers[0].resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '250m', memory: '128Mi' } });

    const pdb = agent.find((o) => o.kind === 'PodDisruptionBudget')!;
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: AGENT_POD_LABELS }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    expect(deployment.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);

    expect(deployment.spec.template.spec.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: AGENT_POD_LABELS }, matchLabelKeys: ['pod-template-hash'] },
    ]);
    // Servers keep one replica, no HPA and no spread.
    for (const server of allServers(fleet)) {
      expect(deploymentOf(server).spec.replicas).toBe(1);
      expect(deploymentOf(server).spec.template.spec.topologySpreadConstraints).toBeUndefined();
    }
  });

  it('writes replicas and no HPA when maxReplicas leaves the HPA no room; follows the fleet config', () => {
    const fixed = parseDocs(generate(fleetOf(CUSTOMERS, { agent: { replicas: 3, maxReplicas: 3 } })).get('k8s/agent.yaml')!);
    expect(fixed.find((o) => o.kind === 'Deployment')!.spec.replicas).toBe(3);
    expect(fixed.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
    expect(fixed.some((o) => o.kind === 'PodDisruptionBudget')).toBe(true);

    const wide = parseDocs(generate(fleetOf(CUSTOMERS, { agent: { replicas: 3, maxReplicas: 10 } })).get('k8s/agent.yaml')!);
    expect(wide.find((o) => o.kind === 'HorizontalPodAutoscaler')!.spec).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    for (const object of [...fixed, ...wide]) {
      expect(() => validateWithModels(object)).not.toThrow();
      expect(unknownFields(object)).toEqual([]);
    }
  });

  it('reads the session key from its own Secret and drains within the termination grace, without a preStop hook', () => {
    const deployment = parseDocs(files.get('k8s/agent.yaml')!).find((o) => o.kind === 'Deployment')!;
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.env).toContainEqual({ name: 'AGENT_SESSION_SECRET', valueFrom: { secretKeyRef: { name: AGENT_SESSION_SECRET, key: 'AGENT_SESSION_SECRET' } } });
    expect(container.env).toContainEqual({
      name: 'AGENT_SESSION_SECRET_PREVIOUS',
      valueFrom: { secretKeyRef: { name: AGENT_SESSION_SECRET, key: 'AGENT_SESSION_SECRET_PREVIOUS', optional: true } },
    });
    expect(AGENT_SESSION_SECRET).not.toBe('mcp-agent'); // apart from the operator's token Secret
    const env = Object.fromEntries(container.env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toMatchObject({ AGENT_DRAIN_DELAY_MS: '5000', AGENT_DRAIN_TIMEOUT_MS: '20000' });
    // SIGKILL only after the drain delay, the drain timeout and a margin.
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(env.AGENT_DRAIN_DELAY_MS) + Number(env.AGENT_DRAIN_TIMEOUT_MS));
    expect(container.lifecycle).toBeUndefined();
    // No value anywhere: only references.
    expect(files.get('k8s/agent.yaml')).not.toMatch(/kind: Secret\b/);
  });

  it('with an External Secrets store, the operator makes the session Secret too (current key only)', () => {
    const external = fleetOf(CUSTOMERS, { kubernetes: { externalSecrets: { storeName: 'vault', storeKind: 'ClusterSecretStore', remoteKeyPrefix: 'mcpfleet/' } } });
    const session = parseDocs(generate(external).get('k8s/agent.yaml')!).find((o) => o.kind === 'ExternalSecret')!;
    expect(session).toMatchObject({
      metadata: { name: AGENT_SESSION_SECRET, namespace: AGENT_NAMESPACE },
      spec: { target: { name: AGENT_SESSION_SECRET }, data: [{ secretKey: 'AGENT_SESSION_SECRET', remoteRef: { key: 'mcpfleet/AGENT_SESSION_SECRET' } }] },
    });
  });

  it('never sees a customer whose namespace would be the agent\'s: validation refuses the id', () => {
    expect(() => fleetOf({ agent: CUSTOMERS.segurcaixa! })).toThrow(/customer id \\"agent\\" is reserved/);
  });
});

describe('kubernetes generator: determinism', () => {
  it('generates byte-identical output twice, including from a fresh fleet', () => {
    expect(generate(fleet)).toEqual(files);
    expect(generate(fleetOf())).toEqual(files);
  });

  it('adding a customer changes only its own file, one kustomization line, the agent ConfigMap and its own alert rules', () => {
    const before = files;
    const grown: Fleet = fleetOf({ ...CUSTOMERS, 'acme-eu': { name: 'ACME EU', host: 'acme.example.com', mcpServers: [{ type: 'grafana', url: 'https://acme.example.com', tokenEnv: 'GRAFANA_TOKEN_ACME' }] } });
    const after = generate(grown);
    const changed = [...after.keys()].filter((path) => before.get(path) !== after.get(path)).sort();
    expect(changed).toEqual(['k8s/agent.yaml', 'k8s/customers/acme-eu.yaml', 'k8s/kustomization.yaml', 'k8s/monitoring.yaml']);
    expect([...before.keys()].every((path) => after.has(path))).toBe(true);

    const lines = (text: string) => text.split('\n');
    const added = lines(after.get('k8s/kustomization.yaml')!).filter((line) => !lines(before.get('k8s/kustomization.yaml')!).includes(line));
    expect(added).toEqual(['  - customers/acme-eu.yaml']);
    expect(lines(after.get('k8s/kustomization.yaml')!)).toHaveLength(lines(before.get('k8s/kustomization.yaml')!).length + 1);

    const [nsBefore, cmBefore] = parseDocs(before.get('k8s/agent.yaml')!);
    const [nsAfter, cmAfter] = parseDocs(after.get('k8s/agent.yaml')!);
    expect(nsAfter).toEqual(nsBefore);
    expect(cmAfter!.data!['mcp_servers.schema.json']).toBe(cmBefore!.data!['mcp_servers.schema.json']);
    const customersAfter = JSON.parse(cmAfter!.data!['mcp_servers.json']!).customers;
    expect(customersAfter.filter((c: { id: string }) => c.id !== 'acme-eu')).toEqual(JSON.parse(cmBefore!.data!['mcp_servers.json']!).customers);
    // the agent file only gains lines (the new customer's JSON entry), it loses none
    const agentBefore = lines(before.get('k8s/agent.yaml')!);
    const agentAfter = lines(after.get('k8s/agent.yaml')!);
    expect(agentBefore.filter((line) => !agentAfter.includes(line))).toEqual([]);
    // the PrometheusRule gains the new customer's rule group and loses nothing
    const rulesAfter = lines(after.get('k8s/monitoring.yaml')!);
    expect(lines(before.get('k8s/monitoring.yaml')!).filter((line) => !rulesAfter.includes(line))).toEqual([]);
    expect(rulesAfter).toContain('    - name: mcpfleet-customer-acme-eu');
  });
});
