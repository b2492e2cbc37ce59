/** Command-line handling shared by the zx scripts: options via minimist, one-line failures naming the script. */
import { minimist } from 'zx';

/**
 * Parses `process.argv` with minimist `spec`, refusing any option it does not name. Returns the options and
 * `fail(message)`, which prints `<script>: message` and exits 1.
 */
export function scriptOptions(script, spec) {
  const fail = (message) => {
    console.error(`${script}: ${message}`);
    process.exit(1);
  };
  const argv = minimist(process.argv.slice(2), {
    ...spec,
    unknown: (arg) => {
      if (arg.startsWith('-')) fail(`unknown option ${arg}; see --help`);
      return true;
    },
  });
  return { argv, fail };
}
