#!/usr/bin/env zx
// The whole test suite: vitest with its usual output, then the plain "N passed, N failed" line that CI reads.
import { $, argv, fs, os, path } from 'zx';

const report = path.join(os.tmpdir(), `mcpfleet-vitest-${process.pid}.json`);
const run = await $({ stdio: 'inherit', nothrow: true })`vitest run --reporter=default --reporter=json --outputFile.json=${report} ${argv._}`;

if (!fs.existsSync(report)) {
  console.log('0 passed, 1 failed');
  console.error(`vitest wrote no report (exit ${run.exitCode})`);
  process.exit(run.exitCode || 1);
}
const { numPassedTests, numFailedTests, numPendingTests, testResults } = await fs.readJson(report);
await fs.remove(report);
// A test file that fails before any test runs (an import error) has no failed test of its own: count it as one.
const brokenFiles = testResults.filter((file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed')).length;
console.log(`${numPassedTests} passed, ${numFailedTests + brokenFiles} failed${numPendingTests ? `, ${numPendingTests} skipped` : ''}`);
process.exit(run.exitCode ?? 1);
