/**
 * A fleet as data for the incremental-generation property: customers and a fleet config that render to the files a
 * user writes, the edits a user makes between two runs, and fast-check arbitraries for both.
 *
 * Every state is valid by construction: display names, hosts and credential variables carry the customer's serial
 * (which a customer keeps for good, also when its file is renamed), server names and variables carry the server's
 * serial, and a customer has at most one unnamed server per type. Only an invalid edit breaks a file, and the test
 * undoes it after the run.
 */
import { fc } from '@fast-check/vitest';
import { GENESYS_REGIONS } from '../../../mcp-types/genesys.ts';

/** Versions of the generation code an edit switches between, so that a later edit may come back to an earlier one. */
const CODE_VERSIONS = 3;

export type ServerType = 'grafana' | 'alertmanager' | 'genesys';

/** What fast-check draws for a new server. */
export interface ServerDraw {
  type: ServerType;
  /** Named servers are `s<serial>`; an unnamed one is known by its type, so at most one per type stays unnamed. */
  named: boolean;
  description?: string;
  /** grafana and alertmanager: path of the URL. */
  urlPath: string;
  /** genesys: the region. */
  region: string;
}

/** What fast-check draws for a new customer. */
export interface CustomerDraw {
  /** First part of the id (the file name); the rest is a serial, so ids never clash. */
  word: string;
  nameTag?: string;
  description?: string;
  servers: ServerDraw[];
  gateway: boolean;
}

export type ConfigDraw = Record<string, unknown>;

export type CustomerChange =
  | { field: 'url'; server: number; urlPath: string; region: string }
  | { field: 'name'; nameTag: string | undefined }
  | { field: 'description'; description: string | undefined }
  | { field: 'add-server'; draw: ServerDraw }
  | { field: 'remove-server'; server: number }
  | { field: 'server-name'; server: number }
  | { field: 'server-description'; server: number; description: string | undefined }
  | { field: 'gateway' };

/** How an invalid edit breaks the fleet: each must make both runs refuse it. */
export type Breakage = 'servers-not-a-list' | 'unknown-customer-field' | 'syntax-error' | 'unknown-config-field';

/** One edit between two runs; `customer` and `server` pick by index, modulo how many there are then. */
export type Edit =
  | { kind: 'add-customer'; draw: CustomerDraw }
  | { kind: 'remove-customer'; customer: number }
  | { kind: 'rename-customer'; customer: number; word: string }
  | { kind: 'change-customer'; customer: number; change: CustomerChange }
  | { kind: 'change-config'; config: ConfigDraw }
  /** The code changes: to `code-v<version>`, or another version when that is the current one (a branch switched to and back). */
  | { kind: 'touch-code'; version: number }
  | { kind: 'invalid'; customer: number; breakage: Breakage };

interface ServerModel extends ServerDraw {
  serial: number;
}

interface CustomerModel {
  /** Kept for good: names, host and credential variables derive from it, so a renamed file keeps its variables. */
  serial: number;
  id: string;
  nameTag?: string;
  description?: string;
  servers: ServerModel[];
  nextServerSerial: number;
  gateway: boolean;
}

/** What an applied edit touched, for what the incremental run may and may not take from its cache. */
export type EditScope =
  /** Customer files only: every other customer's parts must come from the cache. */
  | { kind: 'customers'; untouched: number }
  /** The fleet-wide settings: any part may change. */
  | { kind: 'fleet' }
  /** The generation code: only what was made under the same code may be used, so nothing when it is new. */
  | { kind: 'code'; newCode: boolean }
  /** Nothing valid changed (an invalid edit, undone after its run). */
  | { kind: 'none' };

/** The files of a fleet, by path relative to its root. */
export type FleetFiles = Map<string, string>;

export class FleetModel {
  private readonly customers: CustomerModel[] = [];
  private nextSerial = 1;
  private config: ConfigDraw;
  /** The fingerprint of the code the runs use from now on. */
  fingerprint = 'code-v1';
  private readonly fingerprintsUsed = new Set([this.fingerprint]);

  constructor(
    /** Absolute path of schema/index.ts: the fleet lives in a temp folder, away from the repo. */
    private readonly schemaIndex: string,
    customers: CustomerDraw[],
    config: ConfigDraw,
  ) {
    for (const draw of customers) this.addCustomer(draw);
    this.config = config;
  }

  get customerCount(): number {
    return this.customers.length;
  }

  /** Applies a valid edit to the model; an invalid one only says which file to break (see {@link brokenFile}). */
  apply(edit: Edit): EditScope {
    const untouchedBut = (changed: number) => ({ kind: 'customers' as const, untouched: this.customers.length - changed });
    switch (edit.kind) {
      case 'add-customer':
        this.addCustomer(edit.draw);
        return untouchedBut(1);
      case 'remove-customer': {
        if (this.customers.length === 0) return { kind: 'none' };
        this.customers.splice(edit.customer % this.customers.length, 1);
        return untouchedBut(0);
      }
      case 'rename-customer': {
        const customer = this.pick(edit.customer);
        if (!customer) return { kind: 'none' };
        customer.id = `${edit.word}-${this.nextSerial++}`;
        return untouchedBut(1);
      }
      case 'change-customer': {
        const customer = this.pick(edit.customer);
        if (!customer) return { kind: 'none' };
        changeCustomer(customer, edit.change);
        return untouchedBut(1);
      }
      case 'change-config':
        this.config = edit.config;
        return { kind: 'fleet' };
      case 'touch-code': {
        const next = `code-v${edit.version}`;
        this.fingerprint = next === this.fingerprint ? `code-v${(edit.version % CODE_VERSIONS) + 1}` : next;
        const newCode = !this.fingerprintsUsed.has(this.fingerprint);
        this.fingerprintsUsed.add(this.fingerprint);
        return { kind: 'code', newCode };
      }
      case 'invalid':
        return { kind: 'none' };
    }
  }

  /** The files of the fleet as it is now. */
  files(): FleetFiles {
    const files: FleetFiles = new Map([['fleet.config.ts', this.configSource(this.config)]]);
    for (const customer of this.customers) files.set(`customers/${customer.id}.ts`, this.customerSource(exportedCustomer(customer)));
    return files;
  }

  /** The one file an invalid edit rewrites, with its broken content (the config when there is no customer to break). */
  brokenFile(edit: Extract<Edit, { kind: 'invalid' }>): { path: string; content: string } {
    const customer = this.pick(edit.customer);
    if (edit.breakage === 'unknown-config-field' || !customer) {
      return { path: 'fleet.config.ts', content: this.configSource({ ...this.config, imageRegistryMirror: 'registry.example.com' }) };
    }
    const path = `customers/${customer.id}.ts`;
    const exported = exportedCustomer(customer);
    if (edit.breakage === 'servers-not-a-list') return { path, content: this.customerSource({ ...exported, mcpServers: 'x' }) };
    if (edit.breakage === 'unknown-customer-field') return { path, content: this.customerSource({ ...exported, colour: 'blue' }) };
    return { path, content: this.customerSource(exported).replace('defineCustomer({', 'defineCustomer({{') };
  }

  private pick(index: number): CustomerModel | undefined {
    return this.customers.length === 0 ? undefined : this.customers[index % this.customers.length];
  }

  private addCustomer(draw: CustomerDraw): void {
    const serial = this.nextSerial++;
    const customer: CustomerModel = {
      serial,
      id: `${draw.word}-${serial}`,
      ...(draw.nameTag !== undefined && { nameTag: draw.nameTag }),
      ...(draw.description !== undefined && { description: draw.description }),
      servers: [],
      nextServerSerial: 1,
      gateway: draw.gateway,
    };
    for (const server of draw.servers) addServer(customer, server);
    this.customers.push(customer);
  }

  private customerSource(exported: Record<string, unknown>): string {
    return `import { defineCustomer } from ${JSON.stringify(this.schemaIndex)};\n\nexport default defineCustomer(${JSON.stringify(exported, null, 2)} as never);\n`;
  }

  private configSource(config: ConfigDraw): string {
    return `import { defineFleetConfig } from ${JSON.stringify(this.schemaIndex)};\n\nexport default defineFleetConfig(${JSON.stringify(config, null, 2)} as never);\n`;
  }
}

/** Adds a server, named when an unnamed one of its type is already there (two would clash on the type). */
function addServer(customer: CustomerModel, draw: ServerDraw): void {
  const unnamedOfType = customer.servers.some((s) => s.type === draw.type && !s.named);
  customer.servers.push({ ...draw, named: draw.named || unnamedOfType, serial: customer.nextServerSerial++ });
}

function changeCustomer(customer: CustomerModel, change: CustomerChange): void {
  const server = 'server' in change ? customer.servers[change.server % customer.servers.length]! : undefined;
  switch (change.field) {
    case 'url':
      server!.urlPath = change.urlPath;
      server!.region = change.region;
      return;
    case 'name':
      setOptional(customer, 'nameTag', change.nameTag);
      return;
    case 'description':
      setOptional(customer, 'description', change.description);
      return;
    case 'add-server':
      addServer(customer, change.draw);
      return;
    case 'remove-server':
      // A customer needs a server: removing its only one would be an invalid edit, which is covered on its own.
      if (customer.servers.length > 1) customer.servers.splice(customer.servers.indexOf(server!), 1);
      else changeCustomer(customer, { field: 'server-name', server: 0 });
      return;
    case 'server-name':
      // Unnamed only when no other server of the type is: the type is then its name.
      if (!server!.named) server!.named = true;
      else if (!customer.servers.some((s) => s !== server && s.type === server!.type && !s.named)) server!.named = false;
      return;
    case 'server-description':
      setOptional(server!, 'description', change.description);
      return;
    case 'gateway':
      customer.gateway = !customer.gateway;
      return;
  }
}

function setOptional<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

/** The object a customer file passes to defineCustomer. */
function exportedCustomer(customer: CustomerModel): Record<string, unknown> {
  const c = `C${customer.serial}`;
  return {
    name: customer.nameTag === undefined ? `Customer ${customer.serial}` : `Customer ${customer.serial} ${customer.nameTag}`,
    host: `c${customer.serial}.example.com`,
    ...(customer.description !== undefined && { description: customer.description }),
    mcpServers: customer.servers.map((server) => {
      const s = `${c}_S${server.serial}`;
      const common = { type: server.type, ...(server.named && { name: `s${server.serial}` }), ...(server.description !== undefined && { description: server.description }) };
      if (server.type === 'grafana') return { ...common, url: `https://c${customer.serial}.example.com${server.urlPath}`, tokenEnv: `GRAFANA_TOKEN_${s}` };
      if (server.type === 'alertmanager') return { ...common, url: `http://am.c${customer.serial}.example.com:9093${server.urlPath}` };
      return { ...common, region: server.region, clientIdEnv: `GENESYS_ID_${s}`, clientSecretEnv: `GENESYS_SECRET_${s}` };
    }),
    ...(customer.gateway && { gateway: { tokenEnv: `GATEWAY_TOKEN_${c}`, denyTools: ['createSilence'] } }),
  };
}

// ---- arbitraries -------------------------------------------------------------------------------------------------

/** Text users put in descriptions, including what YAML, JSON and compose interpolation treat specially. */
const descriptionArb = fc.constantFrom('Production stack', 'Staging\nand QA', 'Zürich – Köln ✓', 'say "hi" and \'bye\'', 'costs $5 and ${NOT_A_VAR}', '# not a comment', 'yes', '');
const optionalDescriptionArb = fc.option(descriptionArb, { nil: undefined });
const nameTagArb = fc.constantFrom('EU', 'Nordics', 'Ünïcode GmbH', "O'Brien & Co");
const urlPathArb = fc.constantFrom('', '/', '/grafana', '/a/b?org=2');
const wordArb = fc.constantFrom('acme', 'globex', 'initech', 'umbrella', 'zeta');

export const serverDrawArb: fc.Arbitrary<ServerDraw> = fc.record(
  {
    type: fc.constantFrom<ServerType>('grafana', 'alertmanager', 'genesys'),
    named: fc.boolean(),
    description: descriptionArb,
    urlPath: urlPathArb,
    region: fc.constantFrom(...GENESYS_REGIONS.slice(0, 3)),
  },
  { requiredKeys: ['type', 'named', 'urlPath', 'region'] },
);

export const customerDrawArb: fc.Arbitrary<CustomerDraw> = fc.record(
  {
    word: wordArb,
    nameTag: nameTagArb,
    description: descriptionArb,
    servers: fc.array(serverDrawArb, { minLength: 1, maxLength: 3 }),
    gateway: fc.boolean(),
  },
  { requiredKeys: ['word', 'servers', 'gateway'] },
);

/** Fleet configs that are valid with any of the fleets above: ranges wide enough, the agent's port outside them. */
export const configDrawArb: fc.Arbitrary<ConfigDraw> = fc.record(
  {
    ports: fc.constantFrom({ base: 20000, max: 29999 }, { base: 21000, max: 21999 }, { base: 30000, max: 30499 }),
    agent: fc.record({ replicas: fc.integer({ min: 1, max: 4 }), hostPort: fc.constantFrom(8080, 9090) }, { requiredKeys: [] }),
    imageRegistry: fc.constant('registry.example.com/mirror'),
    types: fc.constantFrom({ grafana: { image: 'grafana/mcp-grafana:0.18.0' } }, { alertmanager: { resources: { memory: '512M' } } }, { genesys: { env: { LOG_LEVEL: 'debug' } } }),
    monitoring: fc.constantFrom({ serverDownFor: '10m' }, { scrapeInterval: '15s', prometheusOperator: false }),
    kubernetes: fc.constant({ externalSecrets: { storeName: 'vault', storeKind: 'ClusterSecretStore' } }),
    swarm: fc.constant({ placement: ['node.labels.mcp.customer == {customer}'] }),
  },
  { requiredKeys: [] },
);

const customerChangeArb: fc.Arbitrary<CustomerChange> = fc.oneof(
  fc.record({ field: fc.constant('url'), server: fc.nat(), urlPath: urlPathArb, region: fc.constantFrom(...GENESYS_REGIONS.slice(0, 3)) }),
  fc.record({ field: fc.constant('name'), nameTag: fc.option(nameTagArb, { nil: undefined }) }),
  fc.record({ field: fc.constant('description'), description: optionalDescriptionArb }),
  fc.record({ field: fc.constant('add-server'), draw: serverDrawArb }),
  fc.record({ field: fc.constant('remove-server'), server: fc.nat() }),
  fc.record({ field: fc.constant('server-name'), server: fc.nat() }),
  fc.record({ field: fc.constant('server-description'), server: fc.nat(), description: optionalDescriptionArb }),
  fc.record({ field: fc.constant('gateway') }),
) as fc.Arbitrary<CustomerChange>;

export const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('add-customer'), draw: customerDrawArb }),
  fc.record({ kind: fc.constant('remove-customer'), customer: fc.nat() }),
  fc.record({ kind: fc.constant('rename-customer'), customer: fc.nat(), word: wordArb }),
  // Editing one customer is what users do most, and what the cache is for.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('change-customer'), customer: fc.nat(), change: customerChangeArb }) },
  fc.record({ kind: fc.constant('change-config'), config: configDrawArb }),
  fc.record({ kind: fc.constant('touch-code'), version: fc.integer({ min: 1, max: CODE_VERSIONS }) }),
  fc.record({ kind: fc.constant('invalid'), customer: fc.nat(), breakage: fc.constantFrom<Breakage>('servers-not-a-list', 'unknown-customer-field', 'syntax-error', 'unknown-config-field') }),
) as fc.Arbitrary<Edit>;
