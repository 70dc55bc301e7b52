import { Hono, type Context } from 'hono';
import { adminAuth, type AppEnv } from '../cloud';
import type { Env } from '../../config/env';
import { badRequest, CldError, notFound } from '../../errors';
import { readParams, type Params } from '../../protocol/params';
import { namedTransformations, type NamedTransformation } from '../../config/collections';
import { deliveryUrls, urlBase } from '../../protocol/urls';
import { purgeAsset } from '../../services/cache/purge';
import { refOf } from '../../storage/resources';
import { deleteDerivedRows, derivedWith, implicitTransformations, transformationsInUse } from '../../storage/derived';
import { decodeCursor, encodeCursor } from '../../storage/cursor';
import { adminJson } from './respond';
import { parseMaxResults } from '../../protocol/list-params';
import { definitionInfo, parseDefinition, type Definition } from '../../engine/transformation-info';

const NAME = /^[A-Za-z0-9_-]{1,100}$/;
/** Derived resources removed with an implicit transformation per call. */
const DELETE_DERIVED_LIMIT = 500;

/** What a `transformation=` parameter names: a named transformation, or a definition. */
type Target = { kind: 'named'; name: string } | { kind: 'definition'; key: string; definition: Definition };

function parseTarget(raw: string | undefined): Target {
  if (!raw) throw badRequest('Missing required parameter - transformation');
  const named = /^t_([A-Za-z0-9_-]+)$/.exec(raw);
  if (named) return { kind: 'named', name: named[1] };
  const definition = parseDefinition(raw);
  if (definition) return { kind: 'definition', key: raw, definition };
  if (NAME.test(raw)) return { kind: 'named', name: raw };
  throw badRequest(`Invalid transformation ${raw}`);
}

const chain = (d: Definition) => d.components.join('/');
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The transformation strings of derived rows a stored entry accounts for. */
const derivedNames = (t: NamedTransformation) => (t.named === false ? [t.transformation] : [`t_${t.name}`, t.transformation]);

const usedSet = transformationsInUse;

function summary(t: NamedTransformation, used: Set<string>): Record<string, unknown> {
  const named = t.named !== false;
  return {
    name: named ? `t_${t.name}` : t.name,
    allowed_for_strict: t.allowed_for_strict,
    used: derivedNames(t).some((n) => used.has(n)),
    named,
  };
}

async function getOne(c: Context<AppEnv>, cloud: string, p: Params): Promise<Response> {
  const target = parseTarget(p.string('transformation'));
  const store = namedTransformations(c.env.CONFIG, cloud);
  const max = parseMaxResults(p);
  const cursor = p.string('next_cursor');
  const after = cursor ? (decodeCursor(cursor, 'n')[0] as number) : 0;
  let entry: NamedTransformation | undefined;
  let derivedName: string;
  let info: Record<string, string | number>[];
  if (target.kind === 'named') {
    entry = await store.get(target.name);
    if (!entry || entry.named === false) throw notFound(`Transformation ${target.name} not found`);
    derivedName = `t_${entry.name}`;
    info = definitionInfo({ components: entry.transformation.split('/'), format: entry.format });
  } else {
    entry = await store.get(target.key);
    derivedName = chain(target.definition);
    info = definitionInfo(target.definition);
  }
  const derived = await derivedWith(c.env.DB, cloud, derivedName, max + 1, after);
  if (!entry && !derived.length) throw notFound(`Transformation ${target.kind === 'named' ? target.name : target.key} not found`);
  const base = urlBase(c.env, c.req.url);
  const page = derived.slice(0, max);
  const body: Record<string, unknown> = {
    name: target.kind === 'named' ? `t_${target.name}` : target.key,
    allowed_for_strict: entry?.allowed_for_strict ?? false,
    used: derived.length > 0 || (entry ? (await usedSet(c.env.DB, cloud, derivedNames(entry))).size > 0 : false),
    named: target.kind === 'named',
    info,
    derived: page.map((d) => ({
      public_id: d.public_id,
      resource_type: d.resource_type,
      type: d.type,
      format: d.format,
      ...deliveryUrls(base, {
        cloud,
        resourceType: d.resource_type,
        type: d.type,
        transformation: d.transformation,
        version: d.version,
        publicId: d.public_id,
        format: d.format,
      }),
      bytes: d.bytes,
      id: String(d.id),
    })),
  };
  if (derived.length > max) body.next_cursor = encodeCursor([page[page.length - 1].id]);
  return adminJson(c, body);
}

/** The name a transformation is listed under: `t_<name>` when named, else its definition. */
const displayName = (t: NamedTransformation) => (t.named === false ? t.name : `t_${t.name}`);

/**
 * Stored entries merged with the transformations derived resources were made
 * with (those nobody configured), in name order, keyset-paged by name. The
 * derived side walks the (cloud, transformation) index, one page at a time.
 */
async function list(c: Context<AppEnv>, cloud: string, p: Params): Promise<Response> {
  const max = parseMaxResults(p);
  const cursor = p.string('next_cursor');
  const after = cursor ? (decodeCursor(cursor, 's')[0] as string) : '';
  const named = p.fields.named === undefined ? undefined : p.bool('named', true);
  const stored = (await namedTransformations(c.env.CONFIG, cloud).list()).filter(
    (t) => named === undefined || (t.named !== false) === named,
  );
  const known = new Set(stored.map(displayName));
  const entries = new Map<string, Record<string, unknown> | NamedTransformation>(
    stored.filter((t) => displayName(t) > after).map((t) => [displayName(t), t]),
  );
  if (named !== true) {
    // A bare `t_<name>` was made with a named transformation, listed under its name (when wanted).
    for (const transformation of await implicitTransformations(c.env.DB, cloud, after, max + 1 + known.size)) {
      if (known.has(transformation)) continue;
      entries.set(transformation, { name: transformation, allowed_for_strict: false, used: true, named: false });
    }
  }
  const names = [...entries.keys()].sort();
  const pageNames = names.slice(0, max);
  const storedOnPage = pageNames.map((n) => entries.get(n)).filter((e): e is NamedTransformation => 'transformation' in (e as object));
  const used = await usedSet(c.env.DB, cloud, storedOnPage.flatMap(derivedNames));
  const body: Record<string, unknown> = {
    transformations: pageNames.map((n) => {
      const e = entries.get(n)!;
      return 'transformation' in e ? summary(e as NamedTransformation, used) : e;
    }),
  };
  if (names.length > max) body.next_cursor = encodeCursor([pageNames[pageNames.length - 1]]);
  return adminJson(c, body);
}

/** Removes every derived resource made with an implicit transformation (bounded per call). */
async function deleteDerivedWith(env: Env, cloud: string, transformation: string): Promise<number> {
  const rows = await derivedWith(env.DB, cloud, transformation, DELETE_DERIVED_LIMIT);
  if (!rows.length) return 0;
  await deleteDerivedRows(
    env.DB,
    rows.map((r) => r.id),
    cloud,
  );
  await env.BUCKET.delete(rows.map((r) => r.r2_key));
  const assets = new Map(rows.map((r) => [`${r.resource_type}/${r.type}/${r.public_id}`, refOf(r)]));
  for (const a of assets.values()) await purgeAsset(env, a);
  return rows.length;
}

/** Named and implicit transformations (https://cloudinary.com/documentation/admin_api#transformations); `t_<name>` in URLs reads the same store. */
export const transformationRoutes = new Hono<AppEnv>()
  .get('/transformations', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    return p.fields.transformation !== undefined ? getOne(c, cloud.cloudName, p) : list(c, cloud.cloudName, p);
  })
  .post('/transformations', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const name = p.string('name') ?? '';
    if (!NAME.test(name) || parseDefinition(name))
      throw badRequest(`Invalid transformation name ${name}: use letters, digits, _ and -, not a transformation`);
    const definition = parseDefinition(p.string('transformation') ?? '');
    if (!definition) throw badRequest(`Invalid transformation ${p.string('transformation') ?? ''}`);
    const store = namedTransformations(c.env.CONFIG, cloud.cloudName);
    if (await store.get(name)) throw new CldError(409, `Transformation ${name} already exists`);
    const at = now();
    await store.put(name, {
      name,
      transformation: chain(definition),
      ...(definition.format !== undefined ? { format: definition.format } : {}),
      allowed_for_strict: p.bool('allowed_for_strict', true),
      created_at: at,
      updated_at: at,
    });
    return adminJson(c, { message: 'created' });
  })
  .put('/transformations', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const target = parseTarget(p.string('transformation'));
    const store = namedTransformations(c.env.CONFIG, cloud.cloudName);
    const at = now();
    if (target.kind === 'named') {
      const entry = await store.get(target.name);
      if (!entry || entry.named === false) throw notFound(`Transformation ${target.name} not found`);
      const next: NamedTransformation = {
        ...entry,
        allowed_for_strict: p.bool('allowed_for_strict', entry.allowed_for_strict),
        updated_at: at,
      };
      if (p.has('unsafe_update')) {
        const d = parseDefinition(p.string('unsafe_update')!);
        if (!d) throw badRequest(`Invalid transformation ${p.string('unsafe_update')}`);
        next.transformation = chain(d);
        if (d.format !== undefined) next.format = d.format;
        else delete next.format;
      }
      await store.put(entry.name, next);
    } else {
      if (p.has('unsafe_update')) throw badRequest('unsafe_update applies to named transformations only');
      const entry = await store.get(target.key);
      await store.put(target.key, {
        name: target.key,
        transformation: chain(target.definition),
        ...(target.definition.format !== undefined ? { format: target.definition.format } : {}),
        named: false,
        allowed_for_strict: p.bool('allowed_for_strict', entry?.allowed_for_strict ?? false),
        created_at: entry?.created_at ?? at,
        updated_at: at,
      });
    }
    return adminJson(c, { message: 'updated' });
  })
  .delete('/transformations', adminAuth, async (c) => {
    const cloud = c.get('cloud');
    const p = await readParams(c.req.raw);
    const target = parseTarget(p.string('transformation'));
    const store = namedTransformations(c.env.CONFIG, cloud.cloudName);
    if (target.kind === 'named') {
      const entry = await store.get(target.name);
      if (!entry || entry.named === false || !(await store.delete(target.name))) throw notFound(`Transformation ${target.name} not found`);
    } else {
      const hadEntry = await store.delete(target.key);
      const removed = await deleteDerivedWith(c.env, cloud.cloudName, chain(target.definition));
      if (!hadEntry && !removed) throw notFound(`Transformation ${target.key} not found`);
    }
    return adminJson(c, { message: 'deleted' });
  });
