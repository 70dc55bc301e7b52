import arimoRegular from '@expo-google-fonts/arimo/400Regular/Arimo_400Regular.ttf';
import arimoBold from '@expo-google-fonts/arimo/700Bold/Arimo_700Bold.ttf';
import arimoItalic from '@expo-google-fonts/arimo/400Regular_Italic/Arimo_400Regular_Italic.ttf';
import arimoBoldItalic from '@expo-google-fonts/arimo/700Bold_Italic/Arimo_700Bold_Italic.ttf';

/**
 * The bundled fonts. Arimo (SIL OFL) has the metrics of Arial/Helvetica, so
 * text laid out for those families keeps its size. Every family name falls
 * back to it.
 */
export const BUNDLED_FAMILY = 'Arimo';

/** Font metrics of Arimo, in em: where the baseline sits below the top of a line, and the line height. */
export const ASCENT = 0.905;
export const LINE_HEIGHT = 1.15;

let buffers: Uint8Array[] | undefined;

/** The font files as resvg wants them (parsed per render; created once per isolate). */
export function fontBuffers(): Uint8Array[] {
  buffers ??= [arimoRegular, arimoBold, arimoItalic, arimoBoldItalic].map((b) => new Uint8Array(b));
  return buffers;
}
