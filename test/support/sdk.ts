import { inject } from 'vitest';
import { DEMO } from './clouds';

/**
 * Cloudinary's own Node SDK pointed at the local worker. The SDK picks http or
 * https when it is first loaded, from CLOUDINARY_URL's upload_prefix, so the variable is set before the import.
 */
export async function loadSdk() {
  const base = inject('workerUrl');
  process.env.CLOUDINARY_URL = `cloudinary://${DEMO.api_key}:${DEMO.api_secret}@${DEMO.cloud_name}?upload_prefix=${base}`;
  const { v2: cloudinary } = await import('cloudinary');
  const host = new URL(base).host;
  cloudinary.config({ cname: host, secure: false, analytics: false });
  return { cloudinary, base, host };
}

/** Options that make `cloudinary.url()` point at the worker over http (its default is https). */
export const LOCAL_URL = { secure: false } as const;

/** A unique id per test, since storage is shared by all tests in the run. */
export const uid = (prefix = 'id') => `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

type Sdk = Awaited<ReturnType<typeof loadSdk>>['cloudinary'];
type Options = Record<string, unknown>;

/** One asset of an Admin API listing, with the optional fields the tests read. */
interface ListedResource {
  public_id: string;
  bytes?: number;
  version?: number;
  tags?: string[];
  context?: { custom: Record<string, string> };
  moderation_status?: string;
  metadata?: Record<string, unknown>;
  error?: string;
}

/** A folder listing (`root_folders`, `sub_folders`, `search_folders`). */
interface FolderListing {
  folders: { name: string; path: string; created_at?: string }[];
  next_cursor?: string;
  total_count: number;
}

/** One entry of a metadata field's datasource. */
interface DatasourceEntry {
  external_id: string;
  value: string;
  state?: string;
}

/** One asset of a Search API answer: the fields the tests read, and whatever else the answer holds. */
export interface SearchResource {
  public_id: string;
  asset_id?: string;
  format?: string;
  bytes?: number;
  width?: number;
  height?: number;
  created_at?: string;
  secure_url?: string;
  tags?: string[];
  context?: Record<string, string>;
  metadata?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A Search API answer (resources, or folders for `search_folders`). */
interface SearchAnswer {
  resources: SearchResource[];
  folders: FolderListing['folders'];
  total_count: number;
  time: number;
  next_cursor?: string;
  aggregations?: Record<string, Record<string, number>>;
}

/** A Search API query as the SDK builds it; `execute` takes account options. */
interface SearchQuery {
  sort_by(field: string, direction?: string): SearchQuery;
  max_results(n: number): SearchQuery;
  with_field(field: string): SearchQuery;
  aggregate(field: string): SearchQuery;
  next_cursor(cursor: string): SearchQuery;
  execute(options?: Options): Promise<SearchAnswer>;
}

/** An Admin API listing as the worker answers it (`total_count` only where Cloudinary sends it). */
export interface Listing {
  resources: ListedResource[];
  next_cursor?: string;
  total_count?: number;
}

/**
 * Calls and answers the SDK's JavaScript has but its bundled .d.ts types more
 * narrowly or not at all: Admin options after the arguments, `resource_by_asset_id`,
 * `restore`'s answer keyed by public id, tokens signed for a `url` instead of an `acl`,
 * `timestamp`/`api_secret` in private_download_url's options, account options
 * (`cloud_name`, `api_key`, `api_secret`) on `rename` and the search and folder
 * calls, and the folder, metadata-ordering, context and backup calls it lacks.
 */
interface SdkAsImplemented {
  uploader: {
    rename(fromPublicId: string, toPublicId: string, options: Options): Promise<{ public_id: string; version: number; signature: string }>;
    add_context(context: Record<string, string>, publicIds: string[], options?: Options): Promise<{ public_ids: string[] }>;
    remove_all_context(publicIds: string[], options?: Options): Promise<{ public_ids: string[] }>;
  };
  api: {
    update_transformation(name: string, updates: Options, options: Options): Promise<unknown>;
    resource_by_asset_id(assetId: string, options?: Options): Promise<ListedResource>;
    restore(publicIds: string[], options?: Options): Promise<Record<string, ListedResource>>;
    root_folders(options?: Options): Promise<FolderListing>;
    search(params: Options, options?: Options): Promise<SearchAnswer>;
    order_metadata_field_datasource(
      fieldId: string,
      sortBy: string,
      direction: string,
      options?: Options,
    ): Promise<{ values: DatasourceEntry[] }>;
    delete_datasource_entries(fieldId: string, externalIds: string[], options?: Options): Promise<{ values: DatasourceEntry[] }>;
    reorder_metadata_fields(
      orderBy: string,
      direction: string,
      options?: Options,
    ): Promise<{ metadata_fields: { external_id: string; label: string }[] }>;
    delete_backed_up_assets(
      assetId: string,
      versionIds: string[],
      options?: Options,
    ): Promise<{ asset_id: string; deleted_version_ids: string[] }>;
  };
  search: { expression(expression: string): SearchQuery };
  search_folders: { expression(expression: string): SearchQuery };
  utils: {
    generate_auth_token(options: { key: string; duration?: number; start_time?: number; acl?: string; url?: string }): string;
    private_download_url(publicId: string, format: string, options: Options): string;
  };
}

/** The same SDK object, typed as its JavaScript behaves (see SdkAsImplemented). */
export const asImplemented = (cloudinary: Sdk) => cloudinary as unknown as SdkAsImplemented;

/** The message of a Cloudinary error answer (`{"error":{"message":...}}`). */
export async function errorMessage(res: Response): Promise<string> {
  const body = (await res.json()) as { error?: { message?: string } };
  return body.error?.message ?? '';
}

/**
 * The error a call of the SDK rejects with: the Admin API rejects with
 * `{error: {message, http_code}}`, the Upload API with the error itself.
 */
export async function sdkFailure(p: Promise<unknown>): Promise<{ message: string; http_code: number }> {
  try {
    await p;
  } catch (e) {
    const err = e as { error?: { message: string; http_code: number }; message: string; http_code: number };
    return err.error ?? err;
  }
  throw new Error('expected the call to fail');
}
