/**
 * One cache pack as this process uses it: the entries the file held when first read, plus those this process used or
 * made. Saving writes the used ones (entries nobody asked for in this process are dropped, so the file does not grow
 * without end). Values are kept deserialized in memory, so a long-running process (`generate --watch`) pays for
 * each entry once; a value handed out must be treated as read-only.
 */
import { deserialize, serialize } from 'node:v8';
import { readPackWithChecksum, writePack } from './pack-file.ts';

/** A delta is written while it holds at most this share of the pack's entries (and the pack would drop few): */
const DELTA_SHARE = 1 / 8;
/** or at most this many entries, for small packs. */
const DELTA_MIN = 16;
/** A pack whose unused entries would be more than this share of it is written whole, which drops them. */
const DROPPED_SHARE = 1 / 4;

const open = new Map<string, PackCache<unknown>>();
let deferred = false;

export class PackCache<V> {
  private stored: Map<string, Buffer>;
  /** The checksum of the pack file read or last written (for a delta to name), and the keys whose bytes are not its own. */
  private base: { checksum?: string; fromDelta: Set<string> };
  private readonly used = new Map<string, Buffer>();
  private readonly values = new Map<string, V>();
  private dirty = false;

  private constructor(
    private readonly file: string,
    private readonly fingerprint: string,
  ) {
    const read = readPackWithChecksum<Buffer>(file, fingerprint);
    this.stored = read.entries;
    this.base = { ...(read.checksum !== undefined && { checksum: read.checksum }), fromDelta: read.fromDelta };
  }

  /** The pack at `file` under `fingerprint`, shared by every caller in this process. */
  static at<V>(file: string, fingerprint: string): PackCache<V> {
    const id = `${file}\0${fingerprint}`;
    let pack = open.get(id);
    if (!pack) open.set(id, (pack = new PackCache<unknown>(file, fingerprint)));
    return pack as PackCache<V>;
  }

  /** The value under `key`, kept for the next save. */
  get(key: string): V | undefined {
    const found = this.lookup(key);
    if (found?.bytes) {
      this.used.set(key, found.bytes);
      this.values.set(key, found.value);
    }
    return found?.value;
  }

  /** The keys the file held when it was read. */
  storedKeys(): IterableIterator<string> {
    return this.stored.keys();
  }

  /** The value under `key`, without keeping the entry for the next save as {@link get} does (for a look ahead). */
  peek(key: string): V | undefined {
    return this.lookup(key)?.value;
  }

  /** The value under `key`, with its bytes when it was not deserialized in this process before. */
  private lookup(key: string): { value: V; bytes?: Buffer } | undefined {
    const known = this.values.get(key);
    if (known !== undefined) return { value: known };
    const bytes = this.used.get(key) ?? this.stored.get(key);
    if (!bytes) return undefined;
    try {
      return { value: deserialize(bytes) as V, bytes };
    } catch {
      return undefined;
    }
  }

  set(key: string, value: V): void {
    this.used.set(key, serialize(value));
    this.values.set(key, value);
    this.dirty = true;
  }

  /** Writes the pack if this process added to it (later, when writes are deferred). */
  save(): void {
    if (!deferred) this.flush();
  }

  /**
   * Writes the used entries: as a delta to the pack read when few of them differ from it and it would drop few (the
   * delta holds every entry that is not the pack's own, so it replaces any delta before it); whole otherwise.
   */
  private flush(): void {
    if (!this.dirty) return;
    const { checksum, fromDelta } = this.base;
    // Entries a delta held stay in the next one (an entry never goes back to an older value of its key).
    const delta = new Map([...fromDelta].map((key) => [key, this.stored.get(key)!] as const));
    for (const [key, bytes] of this.used) if (fromDelta.has(key) || this.stored.get(key) !== bytes) delta.set(key, bytes);
    const inPack = this.stored.size - fromDelta.size;
    const dropped = [...this.stored.keys()].filter((key) => !fromDelta.has(key) && !this.used.has(key)).length;
    if (checksum !== undefined && delta.size <= Math.max(DELTA_MIN, inPack * DELTA_SHARE) && dropped <= inPack * DROPPED_SHARE) {
      writePack(this.file, this.fingerprint, delta, checksum);
      for (const [key, bytes] of delta) this.stored.set(key, bytes);
      this.base = { checksum, fromDelta: new Set(delta.keys()) };
    } else {
      const written = writePack(this.file, this.fingerprint, this.used);
      // What this process holds is now the pack: a later flush (`--watch`) adds its delta to that.
      this.stored = new Map(this.used);
      this.base = { ...(written !== undefined && { checksum: written }), fromDelta: new Set() };
    }
    this.dirty = false;
  }

  /**
   * From now on `save()` only marks packs; {@link PackCache.flushAll} writes them. For `--watch`, where a save every few
   * seconds would otherwise rewrite megabytes per keystroke-save.
   */
  static deferWrites(): void {
    deferred = true;
  }

  /** Writes every pack this process changed. */
  static flushAll(): void {
    for (const pack of open.values()) pack.flush();
  }
}
