import { badRequest } from '../../errors';
import type { ParamEntry } from '../registry-types';
import type { ColourSpace } from '../types';
import { invalid } from '../values';

const APPLIED: readonly ColourSpace[] = ['srgb', 'tinysrgb', 'no_cmyk'];

/** Cloudinary values this engine cannot honour: each is refused by name rather than answered in sRGB. */
const REFUSED: Record<string, string> = {
  cmyk: 'CMYK output (cs_cmyk) is not supported: outputs are sRGB',
  keep_cmyk: 'Keeping CMYK (cs_keep_cmyk) is not supported: outputs are sRGB',
  copy: 'Keeping the source colour space (cs_copy) is not supported: outputs are converted to sRGB',
  'srgb:truecolor': 'cs_srgb:truecolor is not supported',
};

/** `cs_<value>`: the output's colour space (src/engine/types.ts ColourSpace). */
export const cs: ParamEntry<'cs'> = {
  key: 'cs',
  parse(raw) {
    if ((APPLIED as readonly string[]).includes(raw)) return raw as ColourSpace;
    if (Object.hasOwn(REFUSED, raw)) throw badRequest(REFUSED[raw]);
    if (raw.startsWith('icc:')) throw badRequest(`Custom ICC profiles (cs_${raw}) are not supported: outputs are sRGB`);
    throw invalid('color_space', raw);
  },
  canonical: String,
  effect: 'output',
};
