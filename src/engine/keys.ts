/**
 * Every transformation key of Cloudinary's URL grammar (https://cloudinary.com/documentation/transformation_reference), implemented
 * or not. The delivery URL parser uses it to tell a transformation component
 * from a folder of the public id; the transformation registry says which of
 * them this worker executes.
 */
export const TRANSFORMATION_KEYS = new Set([
  'a',
  'ac',
  'af',
  'ar',
  'b',
  'bo',
  'br',
  'c',
  'co',
  'cs',
  'd',
  'dl',
  'dn',
  'dpr',
  'du',
  'e',
  'eo',
  'f',
  'fl',
  'fn',
  'fps',
  'g',
  'h',
  'if',
  'ki',
  'l',
  'o',
  'p',
  'pg',
  'q',
  'r',
  'so',
  'sp',
  't',
  'u',
  'vc',
  'vs',
  'w',
  'x',
  'y',
  'z',
]);

/** An item is `<key>_<value>` with a known key, or a `$variable_<value>` definition. */
function isTransformationItem(item: string): boolean {
  const i = item.indexOf('_');
  if (i <= 0) return false;
  const key = item.slice(0, i);
  return TRANSFORMATION_KEYS.has(key) || /^\$[A-Za-z][A-Za-z0-9]*$/.test(key);
}

/** A path segment is a transformation component only when every comma-separated item is one. */
export function isTransformationComponent(segment: string): boolean {
  if (!segment) return false;
  return segment.split(',').every(isTransformationItem);
}
