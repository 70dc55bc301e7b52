import { CldError, deliveryErrorResponse } from '../errors';
import { contentRange, requestedRange, type ByteRange } from '../protocol/byte-range';

/**
 * Byte ranges of delivered answers, as a CDN serves them: every whole answer
 * says `Accept-Ranges: bytes`; a `Range` request gets 206 with the slice, or
 * 416 when it starts past the end. Originals read only the slice from R2
 * (respondOriginal in respond.ts); whole answers from the edge cache or the engine are
 * cut here while they stream.
 */
export function answerRange(req: Request, res: Response): Response {
  const size = Number(res.headers.get('Content-Length'));
  if (res.status !== 200 || !res.headers.has('Content-Length') || !Number.isSafeInteger(size)) return res;
  const range = requestedRange(req, size, res.headers);
  if (range === undefined) return withAcceptRanges(res);
  if (range === 'unsatisfiable') {
    res.body?.cancel().catch(() => undefined);
    return unsatisfiable(size);
  }
  return partial(res.headers, sliceStream(res.body, range), range, size);
}

/** A 206 answer of `range` from `body`, which holds exactly the range's bytes. */
export function partial(whole: Headers, body: ReadableStream | null, range: ByteRange, size: number): Response {
  const headers = new Headers(whole);
  headers.set('Content-Range', contentRange(range, size));
  headers.set('Content-Length', String(range.end - range.start + 1));
  headers.set('Accept-Ranges', 'bytes');
  return new Response(body, { status: 206, headers });
}

/** 416 with the size the client may ask within. */
export function unsatisfiable(size: number): Response {
  const res = deliveryErrorResponse(new CldError(416, 'Range Not Satisfiable', { 'Content-Range': `bytes */${size}` }));
  res.headers.set('Accept-Ranges', 'bytes');
  return res;
}

function withAcceptRanges(res: Response): Response {
  if (res.headers.get('Accept-Ranges') === 'bytes') return res;
  const out = new Response(res.body, res);
  out.headers.set('Accept-Ranges', 'bytes');
  return out;
}

/** The bytes `range.start..range.end` of a stream, read as they arrive; the rest of the source is cancelled. */
function sliceStream(source: ReadableStream<Uint8Array> | null, range: ByteRange): ReadableStream<Uint8Array> | null {
  if (!source) return null;
  const length = range.end - range.start + 1;
  const reader = source.getReader();
  let pos = 0;
  const slice = new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        const from = pos;
        pos += value.byteLength;
        if (pos <= range.start) continue;
        controller.enqueue(value.subarray(Math.max(0, range.start - from), Math.min(value.byteLength, range.end + 1 - from)));
        if (pos > range.end) {
          controller.close();
          reader.cancel().catch(() => undefined);
        }
        return;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  // A stream of known length, so the answer carries Content-Length rather than chunked encoding.
  const fixed = new FixedLengthStream(length);
  slice.pipeTo(fixed.writable).catch(() => undefined);
  return fixed.readable;
}
