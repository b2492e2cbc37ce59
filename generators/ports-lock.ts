/**
 * out/ports.lock.json: the host port of every server. Read back on the next run so that a port,
 * once given, stays with its server whatever customers come and go.
 */
import { PORTS_LOCK_FILE } from '../fleet/paths.ts';
import { GENERATED_MARKER, type Generator } from './generator.ts';
import { toJson } from './runtime-config.ts';

export const portsLockGenerator: Generator = {
  name: 'ports',
  description: 'Host port allocation (keeps ports stable across runs)',
  required: true,
  generate(fleet) {
    return [{ path: PORTS_LOCK_FILE, content: toJson({ $comment: `${GENERATED_MARKER}. Resolve merge conflicts by keeping both sides' entries.`, ports: fleet.ports }) }];
  },
};
