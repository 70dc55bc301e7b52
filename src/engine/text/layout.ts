import type { FontMetrics } from './sfnt';

/**
 * Lines of text: explicit newlines first, then word wrapping at a width.
 * Widths come from the font's advances (plus letter spacing), not from
 * rendering, so wrapping a long text costs no renders; kerning is left out
 * of the measure, which makes it a little wide, never narrow.
 */
export interface Line {
  text: string;
  /** Advance width in pixels. */
  width: number;
  /** The last line of a paragraph (never stretched by `justify`). */
  last: boolean;
}

export type Measure = (s: string) => number;

export function measurer(metrics: FontMetrics, size: number, letterSpacing: number): Measure {
  const scale = size / metrics.unitsPerEm;
  return (s) => {
    let width = 0;
    let count = 0;
    for (const ch of s) {
      width += metrics.advance(ch.codePointAt(0)!) * scale;
      count++;
    }
    return width + letterSpacing * count;
  };
}

/** Splits a word wider than `max` into pieces that fit (at least one character each). */
function breakWord(word: string, max: number, measure: Measure): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const ch of word) {
    if (piece && measure(piece + ch) > max) {
      pieces.push(piece);
      piece = ch;
    } else piece += ch;
  }
  if (piece) pieces.push(piece);
  return pieces;
}

/** Greedy word wrap of one paragraph: as many words on a line as fit in `max`. */
function wrapParagraph(paragraph: string, max: number, measure: Measure): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(/ +/)) {
    const candidate = line ? `${line} ${word}` : word;
    if (!line || measure(candidate) <= max) {
      if (!line && measure(word) > max) {
        const pieces = breakWord(word, max, measure);
        lines.push(...pieces.slice(0, -1));
        line = pieces.at(-1) ?? '';
      } else line = candidate;
      continue;
    }
    lines.push(line);
    if (measure(word) > max) {
      const pieces = breakWord(word, max, measure);
      lines.push(...pieces.slice(0, -1));
      line = pieces.at(-1) ?? '';
    } else line = word;
  }
  lines.push(line);
  return lines;
}

/** The lines of `text`: split at newlines, and wrapped at `wrapWidth` pixels when given. */
export function breakLines(text: string, measure: Measure, wrapWidth?: number): Line[] {
  const out: Line[] = [];
  for (const paragraph of text.split('\n')) {
    const lines = wrapWidth === undefined ? [paragraph] : wrapParagraph(paragraph, wrapWidth, measure);
    lines.forEach((t, i) => out.push({ text: t, width: t.trim() ? measure(t) : 0, last: i === lines.length - 1 }));
  }
  return out;
}
