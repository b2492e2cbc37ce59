/**
 * The names the import chooses when the source has none: a customer id from the display name, and credential
 * variables named after the id (GRAFANA_TOKEN_<ID>, as `pnpm new-customer` names them), never one another customer uses.
 */
import { ALL_PROFILE } from '../fleet/profiles.ts';
import { mcpTypeNames } from '../mcp-types/index.ts';
import { DNS_LABEL, DNS_LABEL_MAX } from '../schema/fields.ts';

/** Longest id: the namespace `mcp-<id>` must stay a DNS label (what `pnpm new-customer` allows). */
export const MAX_ID_LENGTH = DNS_LABEL_MAX - 'mcp-'.length;
/** Ids that name compose profiles or the agent's namespace (as the fleet refuses them). */
const RESERVED_IDS = new Set<string>([...mcpTypeNames, ALL_PROFILE, 'agent']);
/** How many numbered suffixes are tried when a variable name is taken. */
const MAX_SUFFIX = 100;

/** Why `id` cannot be a customer id (its file name), or undefined when it can. */
export function idProblem(id: string): string | undefined {
  if (!DNS_LABEL.test(id) || id.length > MAX_ID_LENGTH) {
    return `is not a valid customer id (it becomes the file name customers/<id>.ts): use a lowercase DNS label (a-z, 0-9 and "-", starting and ending with a letter or digit, at most ${MAX_ID_LENGTH} characters), e.g. acme-eu`;
  }
  if (RESERVED_IDS.has(id)) return `is reserved (compose profiles use ${[...RESERVED_IDS].filter((r) => r !== 'agent').join(', ')}; "agent" is the agent runtime's namespace): give the entry another "id"`;
  return undefined;
}

/** Letters that do not decompose into a base letter and a mark. */
const LETTERS: Record<string, string> = { ß: 'ss', æ: 'ae', ø: 'o', œ: 'oe', þ: 'th', đ: 'd', ł: 'l' };

/** The id a display name suggests: `Vattenfall DE` → `vattenfall-de`; empty when the name has no letters or digits. */
export function idFromName(name: string): string {
  const slug = name
    .replaceAll(/[ßæøœþđł]/gi, (c) => LETTERS[c.toLowerCase()] ?? c)
    .normalize('NFKD')
    .replaceAll(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replaceAll(/[^a-z0-9]+/g, '-')
    .replaceAll(/^-+|-+$/g, '');
  return slug.slice(0, MAX_ID_LENGTH).replace(/-+$/, '');
}

/** A variable name chosen for a customer, and the reason, when the conventional one was taken. */
export interface ChosenVariable {
  name: string;
  /** Set when the conventional name was taken: by whom. */
  takenBy?: string;
}

/** Credential variable names in use (by existing customers and by the source itself), and who uses each. */
export class VariableNames {
  private readonly owners = new Map<string, string>();

  /** Records that `owner` (a customer id or file) uses `name`. */
  use(name: string, owner: string): void {
    if (!this.owners.has(name)) this.owners.set(name, owner);
  }

  /** `<STEM>_<ID>`, or the first numbered variant no other customer uses; `suffix` tells servers of one type apart. */
  choose(stem: string, id: string, suffix?: string): ChosenVariable {
    const wanted = [stem, id, suffix].filter(Boolean).join('_').toUpperCase().replaceAll(/[^A-Z0-9_]/g, '_');
    for (let n = 1; n <= MAX_SUFFIX; n += 1) {
      const candidate = n === 1 ? wanted : `${wanted}_${n}`;
      if (!this.owners.has(candidate)) {
        this.owners.set(candidate, id);
        return n === 1 ? { name: candidate } : { name: candidate, takenBy: this.owners.get(wanted)! };
      }
    }
    return { name: `${wanted}_${MAX_SUFFIX + 1}` };
  }
}
