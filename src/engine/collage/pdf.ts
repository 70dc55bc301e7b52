import { withEngineBudget, type EngineLimits } from '../engine';
import { PDF_PAGE_OVERHEAD_BYTES } from '../costs';
import { PdfWriter } from '../pdf/writer';

/**
 * A PDF of JPEG pages, given in order (`multi` with `f_pdf`). Each page is
 * made by its own transformation (with its own lease) while this one holds
 * the pages received so far; the PDF is assembled once the last has come.
 * All pages together may hold at most MAX_OUTPUT_PIXELS.
 */
export function pdfOfPages(pages: AsyncIterable<Uint8Array>, limits: EngineLimits): Promise<Uint8Array> {
  return withEngineBudget(limits, { bytes: PDF_PAGE_OVERHEAD_BYTES, what: 'a PDF of pages' }, async (budget) => {
    const writer = new PdfWriter(budget, limits.maxOutputPixels);
    for await (const jpeg of pages) writer.addPage(jpeg);
    return writer.finish();
  });
}
