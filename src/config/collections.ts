/**
 * Per-cloud named collections kept in KV: upload presets, upload mappings and
 * named transformations. Each collection of a cloud is one KV value (a JSON
 * object keyed by name), read through a short per-isolate cache like the
 * settings. Writes in this isolate are seen at once.
 */
export interface UploadPreset {
  name: string;
  unsigned: boolean;
  /** Upload parameters the preset carries, as strings (folder, tags, transformation, ...). */
  settings: Record<string, string>;
}

export interface UploadMapping {
  folder: string;
  template: string;
}

export interface NamedTransformation {
  name: string;
  /** The transformation string (components joined by `/`). */
  transformation: string;
  /** A format the definition ends in (`c_scale,w_100/jpg`); `''` when given as explicitly empty. */
  format?: string;
  /**
   * False for an implicit (unnamed) transformation whose settings were stored,
   * e.g. `allowed_for_strict`: then `name` equals `transformation`. Absent means named.
   */
  named?: boolean;
  allowed_for_strict: boolean;
  created_at: string;
  updated_at: string;
}

type Kind = 'presets' | 'mappings' | 'transformations';
type ItemOf<K extends Kind> = K extends 'presets' ? UploadPreset : K extends 'mappings' ? UploadMapping : NamedTransformation;

const ISOLATE_TTL_MS = 5_000;
const memo = new Map<string, { at: number; value: Record<string, unknown> }>();
const kvKey = (kind: Kind, cloud: string) => `${kind}:${cloud}`;

async function readAll<K extends Kind>(kv: KVNamespace, kind: K, cloud: string, fresh = false): Promise<Record<string, ItemOf<K>>> {
  const key = kvKey(kind, cloud);
  const hit = memo.get(key);
  if (!fresh && hit && Date.now() - hit.at < ISOLATE_TTL_MS) return hit.value as Record<string, ItemOf<K>>;
  const value = (await kv.get<Record<string, ItemOf<K>>>(key, 'json')) ?? {};
  memo.set(key, { at: Date.now(), value });
  return value;
}

async function writeAll<K extends Kind>(kv: KVNamespace, kind: K, cloud: string, value: Record<string, ItemOf<K>>): Promise<void> {
  const key = kvKey(kind, cloud);
  await kv.put(key, JSON.stringify(value));
  memo.set(key, { at: Date.now(), value });
}

export interface Collection<T> {
  list(): Promise<T[]>;
  get(name: string): Promise<T | undefined>;
  /** Creates or replaces the entry named `name`. */
  put(name: string, item: T): Promise<void>;
  /** Returns false when there was no such entry. */
  delete(name: string): Promise<boolean>;
}

function collection<K extends Kind>(kv: KVNamespace, kind: K, cloud: string): Collection<ItemOf<K>> {
  return {
    async list() {
      const all = await readAll(kv, kind, cloud, true);
      return Object.keys(all)
        .sort()
        .map((k) => all[k]);
    },
    async get(name) {
      return (await readAll(kv, kind, cloud))[name];
    },
    async put(name, item) {
      const all = await readAll(kv, kind, cloud, true);
      await writeAll(kv, kind, cloud, { ...all, [name]: item });
    },
    async delete(name) {
      const all = await readAll(kv, kind, cloud, true);
      if (!(name in all)) return false;
      const { [name]: _gone, ...rest } = all;
      await writeAll(kv, kind, cloud, rest as Record<string, ItemOf<K>>);
      return true;
    },
  };
}

export const uploadPresets = (kv: KVNamespace, cloud: string) => collection(kv, 'presets', cloud);
export const uploadMappings = (kv: KVNamespace, cloud: string) => collection(kv, 'mappings', cloud);
export const namedTransformations = (kv: KVNamespace, cloud: string) => collection(kv, 'transformations', cloud);
