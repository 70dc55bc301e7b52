import type { ParamEntry } from '../registry-types';
import { invalid } from '../values';

/** `dl_<ms>`: every frame of an animation shows for this long (GIF keeps hundredths of a second). */
export const dl: ParamEntry<'dl'> = {
  key: 'dl',
  parse(raw) {
    if (!/^\d+$/.test(raw) || Number(raw) > 655350) throw invalid('delay', raw);
    return Number(raw);
  },
  canonical: String,
  effect: 'output',
};
