import { defineFleetConfig } from './schema/index.ts';

// Fleet-wide settings. Every field is optional; see out/schema/fleet-config.schema.json.
export default defineFleetConfig({
  ports: { base: 20000, max: 29999 },
});
