/*
 * The fields a search expression may name, and what kind of value each holds.
 * `context.<key>` and `metadata.<external_id>` are families, matched by prefix.
 */

/** Text fields are matched as written (`=`), by prefix or pattern (`*`), or by substring (`:`). */
export type TextField = 'public_id' | 'display_name' | 'filename' | 'asset_folder';
/** Keyword fields hold one word from a short vocabulary; `:` and `=` both match it exactly. */
export type KeywordField = 'resource_type' | 'type' | 'format' | 'access_mode' | 'moderation_status' | 'moderation_kind' | 'asset_id';
export type NumberField = 'bytes' | 'width' | 'height' | 'pixels' | 'aspect_ratio';
export type DateField = 'created_at' | 'uploaded_at';

const TEXT: readonly TextField[] = ['public_id', 'display_name', 'filename', 'asset_folder'];
const KEYWORD: readonly KeywordField[] = [
  'resource_type',
  'type',
  'format',
  'access_mode',
  'moderation_status',
  'moderation_kind',
  'asset_id',
];
const NUMBER: readonly NumberField[] = ['bytes', 'width', 'height', 'pixels', 'aspect_ratio'];
const DATE: readonly DateField[] = ['created_at', 'uploaded_at'];

/** Cloudinary's singular spellings are accepted too (`tag:a` is `tags:a`). */
const ALIASES: Record<string, string> = { tag: 'tags', filename: 'filename', original_filename: 'filename' };

export type Field =
  | { kind: 'text'; name: TextField }
  | { kind: 'keyword'; name: KeywordField }
  | { kind: 'number'; name: NumberField }
  | { kind: 'date'; name: DateField }
  | { kind: 'tag' }
  | { kind: 'folder' }
  | { kind: 'context'; key: string }
  | { kind: 'metadata'; key: string };

/** The field a name denotes, or null when the language has no such field. */
export function fieldNamed(raw: string): Field | null {
  const name = ALIASES[raw] ?? raw;
  if ((TEXT as readonly string[]).includes(name)) return { kind: 'text', name: name as TextField };
  if ((KEYWORD as readonly string[]).includes(name)) return { kind: 'keyword', name: name as KeywordField };
  if ((NUMBER as readonly string[]).includes(name)) return { kind: 'number', name: name as NumberField };
  if ((DATE as readonly string[]).includes(name)) return { kind: 'date', name: name as DateField };
  if (name === 'tags') return { kind: 'tag' };
  if (name === 'folder') return { kind: 'folder' };
  const family = /^(context|metadata)\.(.+)$/.exec(name);
  if (family) return family[1] === 'context' ? { kind: 'context', key: family[2] } : { kind: 'metadata', key: family[2] };
  return null;
}

/** Fields `sort_by` accepts, each a column or expression the storage layer knows. */
export const SORT_FIELDS = [
  'created_at',
  'uploaded_at',
  'public_id',
  'display_name',
  'filename',
  'asset_folder',
  'format',
  'resource_type',
  'type',
  'bytes',
  'width',
  'height',
  'pixels',
  'aspect_ratio',
] as const;
export type SortField = (typeof SORT_FIELDS)[number];
