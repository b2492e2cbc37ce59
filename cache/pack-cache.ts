/**
 * One cache pack as this process uses it: the entries the file held when first read, plus those this process used or
 * made. Saving writes the used ones (entries nobody asked for in this process are dropped, so the file does not grow
 * without end). Values are kept deserialized in memory, so a long-running process (`generate --watch`) pays for
 * each entry once; a value handed out must be treated as read-only.
 */
import { deserialize, serialize } from 'node:v8';
import { readPack, writePack } from './pack-file.ts';

const open = new Map<string, PackCache<unknown>>();
let deferred = false;

export class PackCache<V> {
  private readonly stored: Map<string, Buffer>;
  private readonly used = new Map<string, Buffer>();
  private readonly values = new Map<string, V>();
  private dirty = false;

  private constructor(
    private readonly file: string,
    private readonly fingerprint: string,
  ) {
    this.stored = readPack<Buffer>(file, fingerprint);
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

  private flush(): void {
    if (!this.dirty) return;
    writePack(this.file, this.fingerprint, this.used);
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
