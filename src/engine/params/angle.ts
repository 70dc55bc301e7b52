import type { ParamEntry } from '../registry-types';
import { flip, rotate } from '../raster';
import { solidBackground } from '../pixels/pad';
import type { Angle } from '../types';
import { formatNumber, invalid, parseNumber } from '../values';

const MODES: Record<string, (a: Angle) => void> = {
  hflip: (a) => {
    a.hflip = true;
  },
  vflip: (a) => {
    a.vflip = true;
  },
  ignore: (a) => {
    a.ignoreExif = true;
  },
  exif: () => undefined,
  auto_right: (a) => {
    a.auto = 'right';
  },
  auto_left: (a) => {
    a.auto = 'left';
  },
};

/** `a_<degrees>`, `a_hflip`, `a_vflip`, `a_ignore`, `a_auto_right`, `a_auto_left`, joined with `.` (`a_hflip.45`). */
export const a: ParamEntry<'a'> = {
  key: 'a',
  parse(raw) {
    const angle: Angle = { degrees: 0, hflip: false, vflip: false, ignoreExif: false };
    for (const part of raw.split('.')) {
      const mode = MODES[part];
      if (mode) mode(angle);
      else if (/^-?\d+(\.\d+)?$/.test(part)) angle.degrees = ((parseNumber('angle', part, -36000, 36000) % 360) + 360) % 360;
      else throw invalid('angle', raw);
    }
    return angle;
  },
  canonical(v) {
    const parts: string[] = [];
    if (v.auto) parts.push(`auto_${v.auto}`);
    if (v.hflip) parts.push('hflip');
    if (v.vflip) parts.push('vflip');
    if (v.ignoreExif) parts.push('ignore');
    if (v.degrees || !parts.length) parts.push(formatNumber(v.degrees));
    return parts.join('.');
  },
  effect: {
    order: 10,
    apply(img, v, component) {
      let out = img;
      if (v.auto) {
        const box =
          component.w && component.h && !component.w.relative && !component.h.relative ? component.w.value / component.h.value : undefined;
        if (box !== undefined && box > 1 !== out.width / out.height > 1)
          out = rotate(out, v.auto === 'right' ? 90 : 270, solidBackground(component.b));
      }
      if (v.hflip) out = flip(out, 'h');
      if (v.vflip) out = flip(out, 'v');
      if (v.degrees) out = rotate(out, v.degrees, solidBackground(component.b));
      return out;
    },
  },
};
