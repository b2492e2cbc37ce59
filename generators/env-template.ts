/**
 * out/env/mcp_credentials.env.example: every credential variable of the fleet, grouped by customer,
 * with what it is and where it comes from. Names only; values are always empty.
 */
import type { Fleet, FleetCustomer } from '../fleet/model.ts';
import { GENERATED_MARKER, type GeneratedFile, type Generator } from './generator.ts';
import { compileTemplate } from './templates.ts';

export const ENV_TEMPLATE_FILE = 'env/mcp_credentials.env.example';

/** One customer's block of the file: its credentials, each with what it is and which services use it. */
interface CustomerBlock {
  name: string;
  file: string;
  credentials: Array<{ variable: string; description: string; services: string }>;
}

const renderHeader = compileTemplate<{ marker: string }>('mcp_credentials.env.example.hbs');
const renderCustomer = compileTemplate<CustomerBlock>('mcp_credentials.env.customer.hbs');

/** Comments hold user text; a line break there would start a new env line, so it is shown escaped. */
const oneLine = (text: string) => text.replace(/[\r\n]/g, (c) => (c === '\n' ? '\\n' : '\\r'));

/** A customer's block, as text: the part an incremental run keeps per customer. */
function customerBlock(customer: FleetCustomer, fleet: Fleet): string {
  const byVariable = new Map<string, { variable: string; description: string; services: string[] }>();
  for (const server of customer.servers) {
    for (const credential of server.credentials) {
      const entry = byVariable.get(credential.variable) ?? { variable: credential.variable, description: oneLine(credential.description), services: [] };
      entry.services.push(server.serviceName);
      byVariable.set(credential.variable, entry);
    }
  }
  if (customer.gatewayToken) {
    byVariable.set(customer.gatewayToken.variable, { variable: customer.gatewayToken.variable, description: oneLine(customer.gatewayToken.description), services: [fleet.agent.serviceName] });
  }
  const credentials = [...byVariable.values()].map((c) => ({ ...c, services: c.services.join(', ') }));
  return renderCustomer({ name: customer.name, file: customer.file, credentials });
}

const envFile = (blocks: string[]): GeneratedFile[] => [{ path: ENV_TEMPLATE_FILE, content: renderHeader({ marker: GENERATED_MARKER }) + blocks.join('') }];

export const envTemplateGenerator: Generator = {
  name: 'env',
  description: 'Credentials env template: every variable by customer, values empty',
  generate: (fleet) => envFile(fleet.customers.map((customer) => customerBlock(customer, fleet))),
  incremental: {
    customerParts: (fleet) => fleet.customers.map((customer) => customerBlock(customer, fleet)),
    assemble: (_fleet, parts) => envFile(parts as string[]),
  },
};
