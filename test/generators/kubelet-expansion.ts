/**
 * What a container sees of its manifest after the kubelet's variable expansion, for tests. Written from the
 * documented behaviour of Kubernetes (k8s.io/kubernetes third_party/forked/golang/expansion, and the kubelet's
 * makeEnvironmentVariables / ExpandContainerCommandAndArgs), not copied from it:
 * - `$(NAME)` becomes NAME's value when NAME is in the map, else stays `$(NAME)` (any text up to the first `)`
 *   is the name, the empty one included);
 * - `$$` becomes `$`;
 * - `$(` with no `)` after it stays as it is, and scanning goes on after the `(`;
 * - `$` before any other character stays, with that character; a `$` at the very end stays.
 * Env vars are resolved in order, each literal value expanded against the variables defined before it (an empty
 * value is not expanded); `valueFrom` ones take the referenced value. Command and args are expanded against the
 * container's whole resulting environment.
 */

/** One pass of the kubelet's expansion of `input`; `lookup` answers undefined for a name not in the map. */
export function expandKubelet(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const char = input[i]!;
    // A `$` is an operator only when something follows it.
    if (char !== '$' || i + 1 === input.length) {
      out += char;
      i += 1;
      continue;
    }
    const next = input[i + 1]!;
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close === -1) {
        out += '$(';
        i += 2;
      } else {
        const name = input.slice(i + 2, close);
        out += lookup(name) ?? `$(${name})`;
        i = close + 1;
      }
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  return out;
}

/** A container as a manifest holds it (the fields expansion touches). */
export interface ManifestContainer {
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  command?: string[];
  args?: string[];
}

/** What the process in the container gets: its environment (in definition order) and its command and args. */
export interface ContainerView {
  env: Map<string, string>;
  command: string[] | undefined;
  args: string[] | undefined;
}

/** Stands in for a Secret's value, so a test can tell when it leaks into another variable or an argument. */
export const secretValue = (secret: string, key: string): string => `<secret ${secret}/${key}>`;

/** Resolves `container` as the kubelet does, Secrets read through `secretValue` (no service links: the pods disable them). */
export function containerView(container: ManifestContainer): ContainerView {
  const env = new Map<string, string>();
  for (const variable of container.env ?? []) {
    let value: string;
    if (variable.value !== undefined && variable.value !== '') value = expandKubelet(variable.value, (name) => env.get(name));
    else if (variable.valueFrom?.secretKeyRef) value = secretValue(variable.valueFrom.secretKeyRef.name, variable.valueFrom.secretKeyRef.key);
    else if (variable.valueFrom) throw new Error(`${variable.name}: this helper resolves secretKeyRef only`);
    else value = '';
    env.set(variable.name, value);
  }
  const expand = (list: string[] | undefined) => list?.map((item) => expandKubelet(item, (name) => env.get(name)));
  return { env, command: expand(container.command), args: expand(container.args) };
}
