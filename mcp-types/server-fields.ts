import { z } from 'zod';
import { dnsLabel } from '../schema/fields.ts';

/** Fields every server entry has, whatever its type. */
export const commonServerFields = {
  name: dnsLabel
    .max(20)
    .optional()
    .describe('Distinguishes two servers of one type in a customer (e.g. "staging"); defaults to the type.'),
  description: z.string().optional().describe('Free text for operators; written into mcp_servers.json (customers[].mcp_servers[].description).'),
};
