import type { AssetRef } from '../../protocol/asset-ref';
import type { UrlBase } from '../../protocol/urls';

/**
 * The jobs the JOBS queue carries. Every message is one of these, tagged by
 * `kind`; the consumer looks the kind up in its handler table.
 */
export interface NotifyJob {
  kind: 'notify';
  cloud: string;
  /** Where the POST goes (checked again by the guarded fetcher when sent). */
  url: string;
  /** The JSON text, exactly as signed and sent; or, when too large for a queue message, */
  body?: string;
  /** the R2 key it was kept under instead. */
  bodyKey?: string;
}

export interface EagerJob {
  kind: 'eager';
  ref: AssetRef;
  /** The version the transformations were asked for; a newer upload makes them moot. */
  version: number;
  /** Eager transformations, each `<transformation>[/<extension>]` as given at upload. */
  eager: string[];
  notificationUrl: string | null;
  batchId: string;
  /** Where the answer's URLs point (the host the upload reached). */
  base: UrlBase;
}

/** An upload with `async=true`: stored by the queue after the call answered "pending". */
export interface UploadJob {
  kind: 'upload';
  cloud: string;
  /** The API key that signed the call (the answer is signed with it), or null for an unsigned preset upload. */
  signerKey: string | null;
  signed: boolean;
  requested: 'image' | 'raw' | 'auto';
  /** The call's parameters after its preset, without the file. */
  fields: Record<string, string | string[]>;
  /** The received file, kept in R2 under this key until the job is done; or the remote URL to fetch. */
  source: { key: string; filename: string | null } | { url: string };
  base: UrlBase;
  batchId: string;
}

/** `generate_archive` with `async=true`: the archive is created by the queue, then notified. */
export interface ArchiveJob {
  kind: 'archive';
  cloud: string;
  /** The API key that signed the call (the stored archive's answer is signed with it). */
  signerKey: string;
  /** The resource type of the call's path (`image`, `raw`, `all`...). */
  rt: string;
  /** The call's parameters, without `async`. */
  fields: Record<string, string | string[]>;
  base: UrlBase;
  batchId: string;
}

/** The rest of a fixed-mode rename_folder too large for its call: one batch per run (src/services/folders/folders.ts). */
export interface FolderRenameJob {
  kind: 'folder_rename';
  cloud: string;
  from: string;
  to: string;
}

/** Last uses of derived images an isolate noted (src/services/derived/recent-use.ts): `[r2Key, epochMs]` pairs, of any cloud. */
export interface DerivedUsesJob {
  kind: 'derived_uses';
  uses: [string, number][];
}

export type Job = NotifyJob | EagerJob | UploadJob | ArchiveJob | FolderRenameJob | DerivedUsesJob;
export type JobKind = Job['kind'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRef = (v: unknown): v is AssetRef =>
  isObject(v) && ['cloud', 'resourceType', 'type', 'publicId'].every((k) => typeof v[k] === 'string');

/** Checks a message body read from the queue; anything else is not a job of ours. */
const SHAPES: { [K in JobKind]: (m: Record<string, unknown>) => boolean } = {
  notify: (m) => typeof m.cloud === 'string' && typeof m.url === 'string' && (typeof m.body === 'string' || typeof m.bodyKey === 'string'),
  eager: (m) =>
    isRef(m.ref) &&
    typeof m.version === 'number' &&
    Array.isArray(m.eager) &&
    m.eager.every((e) => typeof e === 'string') &&
    (m.notificationUrl === null || typeof m.notificationUrl === 'string') &&
    typeof m.batchId === 'string' &&
    isObject(m.base) &&
    typeof m.base.url === 'string' &&
    typeof m.base.secureUrl === 'string',
  upload: (m) =>
    typeof m.cloud === 'string' &&
    (m.signerKey === null || typeof m.signerKey === 'string') &&
    typeof m.signed === 'boolean' &&
    ['image', 'raw', 'auto'].includes(m.requested as string) &&
    isObject(m.fields) &&
    Object.values(m.fields).every((v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))) &&
    isObject(m.source) &&
    (typeof m.source.key === 'string' || typeof m.source.url === 'string') &&
    isObject(m.base) &&
    typeof m.base.url === 'string' &&
    typeof m.base.secureUrl === 'string' &&
    typeof m.batchId === 'string',
  archive: (m) =>
    typeof m.cloud === 'string' &&
    typeof m.signerKey === 'string' &&
    typeof m.rt === 'string' &&
    isObject(m.fields) &&
    Object.values(m.fields).every((v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))) &&
    isObject(m.base) &&
    typeof m.base.url === 'string' &&
    typeof m.base.secureUrl === 'string' &&
    typeof m.batchId === 'string',
  folder_rename: (m) => typeof m.cloud === 'string' && typeof m.from === 'string' && typeof m.to === 'string' && !!m.from && !!m.to,
  derived_uses: (m) =>
    Array.isArray(m.uses) &&
    m.uses.every(
      (u) => Array.isArray(u) && u.length === 2 && typeof u[0] === 'string' && typeof u[1] === 'number' && Number.isFinite(u[1]),
    ),
};

export function parseJob(body: unknown): Job | null {
  if (!isObject(body) || typeof body.kind !== 'string' || !(body.kind in SHAPES)) return null;
  return SHAPES[body.kind as JobKind](body) ? (body as unknown as Job) : null;
}

/** The cloud a job belongs to, for the record of failures. */
export const cloudOf = (job: Job): string | null => (job.kind === 'eager' ? job.ref.cloud : job.kind === 'derived_uses' ? null : job.cloud);
