/** pnpm validate — schema and cross-customer checks only; writes nothing. */
// First, so that the loader thread starts while the rest of this command loads.
import '../fleet/module-loader/prestart.ts';
import pc from 'picocolors';
import { loadFleet } from '../fleet/load.ts';
import { allServers } from '../fleet/model.ts';
import { loadOption, parseCli, printProblems, resolveLoadOptions, resolvePaths } from './cli-options.ts';

const { values } = parseCli(loadOption);
const result = await loadFleet(resolvePaths(values), resolveLoadOptions(values));
if (!result.ok) {
  printProblems(result.problems);
  process.exit(1);
}
console.log(`${pc.green('✓')} ${result.fleet.customers.length} customers, ${allServers(result.fleet).length} servers: valid`);
