import arimoRegular from '@expo-google-fonts/arimo/400Regular/Arimo_400Regular.ttf';
import arimoBold from '@expo-google-fonts/arimo/700Bold/Arimo_700Bold.ttf';
import arimoItalic from '@expo-google-fonts/arimo/400Regular_Italic/Arimo_400Regular_Italic.ttf';
import arimoBoldItalic from '@expo-google-fonts/arimo/700Bold_Italic/Arimo_700Bold_Italic.ttf';
import tinosRegular from '@expo-google-fonts/tinos/400Regular/Tinos_400Regular.ttf';
import tinosBold from '@expo-google-fonts/tinos/700Bold/Tinos_700Bold.ttf';
import tinosItalic from '@expo-google-fonts/tinos/400Regular_Italic/Tinos_400Regular_Italic.ttf';
import tinosBoldItalic from '@expo-google-fonts/tinos/700Bold_Italic/Tinos_700Bold_Italic.ttf';
import cousineRegular from '@expo-google-fonts/cousine/400Regular/Cousine_400Regular.ttf';
import cousineBold from '@expo-google-fonts/cousine/700Bold/Cousine_700Bold.ttf';
import cousineItalic from '@expo-google-fonts/cousine/400Regular_Italic/Cousine_400Regular_Italic.ttf';
import cousineBoldItalic from '@expo-google-fonts/cousine/700Bold_Italic/Cousine_700Bold_Italic.ttf';
import { readFont, type FontMetrics } from './sfnt';

/**
 * The bundled fonts: the Chrome OS core fonts (SIL OFL 1.1, from the
 * @expo-google-fonts packages), each metric-compatible with a font
 * Cloudinary's users name, so text keeps the size it has there: Arimo for
 * Arial/Helvetica (every unknown family too), Tinos for Times New Roman,
 * Cousine for Courier New.
 */
export type BundledFamily = 'sans' | 'serif' | 'mono';

/** One font file: its bytes for resvg and the metrics the layout measures with. */
export interface FontVariant {
  buffer: Uint8Array;
  metrics: FontMetrics;
}

/**
 * A font ready to draw with: the name SVG selects it by, and its files.
 * Bundled families have four (regular, bold, italic, bold italic, in that
 * order), an uploaded font one. Only the file a text uses goes to resvg,
 * which parses every file it is given on every render.
 */
export interface FontFace {
  family: string;
  variants: FontVariant[];
}

/** The file of `face` for a weight and style (an uploaded font has one for all). */
export function variantOf(face: FontFace, bold: boolean, italic: boolean): FontVariant {
  return face.variants[face.variants.length === 4 ? (bold ? 1 : 0) + (italic ? 2 : 0) : 0];
}

const FILES: Record<BundledFamily, { family: string; files: ArrayBuffer[] }> = {
  sans: { family: 'Arimo', files: [arimoRegular, arimoBold, arimoItalic, arimoBoldItalic] },
  serif: { family: 'Tinos', files: [tinosRegular, tinosBold, tinosItalic, tinosBoldItalic] },
  mono: { family: 'Cousine', files: [cousineRegular, cousineBold, cousineItalic, cousineBoldItalic] },
};

/** Cloudinary family names (lower case, spaces kept single) that are not sans-serif. */
const FAMILY_OF: Record<string, BundledFamily> = {
  serif: 'serif',
  times: 'serif',
  'times new roman': 'serif',
  'times-roman': 'serif',
  georgia: 'serif',
  tinos: 'serif',
  garamond: 'serif',
  palatino: 'serif',
  'palatino linotype': 'serif',
  'book antiqua': 'serif',
  cambria: 'serif',
  baskerville: 'serif',
  'liberation serif': 'serif',
  'dejavu serif': 'serif',
  'noto serif': 'serif',
  'pt serif': 'serif',
  merriweather: 'serif',
  'playfair display': 'serif',
  monospace: 'mono',
  mono: 'mono',
  courier: 'mono',
  'courier new': 'mono',
  cousine: 'mono',
  consolas: 'mono',
  monaco: 'mono',
  menlo: 'mono',
  'lucida console': 'mono',
  'andale mono': 'mono',
  'liberation mono': 'mono',
  'dejavu sans mono': 'mono',
  'roboto mono': 'mono',
  'source code pro': 'mono',
  'ubuntu mono': 'mono',
};

/** Which bundled family draws a Cloudinary family name (sans-serif unless it names a serif or monospace face). */
export function bundledFamilyOf(name: string): BundledFamily {
  return (
    FAMILY_OF[
      name
        .toLowerCase()
        .replace(/[\s_]+/g, ' ')
        .trim()
    ] ?? 'sans'
  );
}

const faces = new Map<BundledFamily, FontFace>();

/** A bundled family's face (its files wrapped and its metrics read once per isolate). */
export function bundledFace(family: BundledFamily): FontFace {
  let face = faces.get(family);
  if (!face) {
    const { family: name, files } = FILES[family];
    face = { family: name, variants: files.map((b) => ({ buffer: new Uint8Array(b), metrics: readFont(new Uint8Array(b), name) })) };
    faces.set(family, face);
  }
  return face;
}
