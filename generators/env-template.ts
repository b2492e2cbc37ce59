/**
 * out/env/mcp_credentials.env.example: every credential variable of the fleet, grouped by customer,
 * with what it is and where it comes from. Names only; values are always empty.
 */
import { GENERATED_MARKER, type Generator } from './generator.ts';
import { compileTemplate } from './templates.ts';

export const ENV_TEMPLATE_FILE = 'env/mcp_credentials.env.example';

interface EnvTemplateContext {
  marker: string;
  customers: Array<{ name: string; file: string; credentials: Array<{ variable: string; description: string; services: string }> }>;
}

const render = compileTemplate<EnvTemplateContext>('mcp_credentials.env.example.hbs');

/** Comments hold user text; a line break there would start a new env line, so it is shown escaped. */
const oneLine = (text: string) => text.replace(/[\r\n]/g, (c) => (c === '\n' ? '\\n' : '\\r'));

export const envTemplateGenerator: Generator = {
  name: 'env',
  description: 'Credentials env template: every variable by customer, values empty',
  generate(fleet) {
    const customers = fleet.customers.map((customer) => {
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
      return {
        name: customer.name,
        file: customer.file,
        credentials: [...byVariable.values()].map((c) => ({ ...c, services: c.services.join(', ') })),
      };
    });
    return [{ path: ENV_TEMPLATE_FILE, content: render({ marker: GENERATED_MARKER, customers }) }];
  },
};
