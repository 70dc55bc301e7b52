import { badRequest } from '../../errors';
import type { Params } from '../../protocol/params';

/**
 * Cloudinary's add-on parameters. This worker runs no add-ons, so a request
 * that names one is refused rather than silently answered without it: an
 * unknown value with Cloudinary's own complaint about it, a known one with
 * "not available". Both are 400 "Illegal value ...".
 */
interface AddOn {
  known: (v: string) => boolean;
  invalid: (v: string) => string;
}

const oneOf =
  (...values: string[]) =>
  (v: string) =>
    v.split(',').every((x) => values.includes(x.trim()));

const ADD_ONS: Record<string, AddOn> = {
  raw_convert: { known: oneOf('aspose', 'google_speech', 'azure_video_indexer', 'extract_text'), invalid: () => 'Raw convert is invalid' },
  detection: {
    known: oneOf(
      'adv_face',
      'aws_rek_face',
      'coco',
      'lvis',
      'openimages',
      'cld-fashion',
      'cld-text',
      'unidet',
      'human-anatomy',
      'iqa',
      'watermark-detection',
      'captioning',
    ),
    invalid: (v) => `Detection invalid model '${v}'`,
  },
  background_removal: { known: oneOf('cloudinary_ai', 'pixelz', 'remove_the_background'), invalid: () => 'Background removal is invalid' },
  categorization: {
    known: oneOf('google_tagging', 'google_video_tagging', 'imagga_tagging', 'aws_rek_tagging', 'azure_video_indexer'),
    invalid: (v) => `Categorization item ${v} is invalid`,
  },
  ocr: { known: oneOf('adv_ocr'), invalid: () => 'OCR is invalid' },
  auto_tagging: { known: (v) => /^(0(\.\d+)?|1(\.0+)?)$/.test(v), invalid: () => 'Auto tagging is invalid' },
};

export function rejectAddOns(params: Params): void {
  for (const [name, addOn] of Object.entries(ADD_ONS)) {
    const v = params.string(name);
    if (!v) continue;
    const why = addOn.known(v) ? 'this add-on is not available' : addOn.invalid(v);
    throw badRequest(`Illegal value ${v} for parameter ${name}: ${why}`);
  }
}
