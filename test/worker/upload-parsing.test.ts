import { describe, expect, it } from 'vitest';
import { readMultipart, partText } from '../../src/protocol/body/multipart';
import { decodeBase64 } from '../../src/services/upload/base64';
import { readBodyFields } from '../../src/protocol/body/fields';
import type { FieldValue } from '../../src/protocol/body/field-value';
import { CldError } from '../../src/errors';

const enc = new TextEncoder();
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** A stream that hands out `bytes` in pieces of the given sizes (cycled), as a network would. */
function pieces(bytes: Uint8Array, sizes: number[]): ReadableStream<Uint8Array> {
  let o = 0;
  let i = 0;
  return new ReadableStream({
    pull(ctrl) {
      if (o >= bytes.length) return ctrl.close();
      const n = sizes[i++ % sizes.length];
      ctrl.enqueue(bytes.slice(o, o + n));
      o += n;
    },
  });
}

function body(boundary: string, parts: { name: string; filename?: string; data: Uint8Array }[], trailer = ''): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const p of parts) {
    const disp = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    chunks.push(
      enc.encode(
        `--${boundary}\r\nContent-Disposition: ${disp}\r\n${p.filename !== undefined ? 'Content-Type: application/octet-stream\r\n' : ''}\r\n`,
      ),
      p.data,
      enc.encode('\r\n'),
    );
  }
  chunks.push(enc.encode(`--${boundary}--${trailer}`));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

async function collect(stream: ReadableStream<Uint8Array>, boundary: string) {
  const out: { name: string; filename: string | null; data: Uint8Array }[] = [];
  for await (const part of readMultipart(stream, boundary)) {
    const chunks: Uint8Array[] = [];
    for await (const c of part.chunks()) chunks.push(c);
    const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of chunks) {
      data.set(c, o);
      o += c.length;
    }
    out.push({ name: part.name, filename: part.filename, data });
  }
  return out;
}

describe('the streaming multipart reader', () => {
  // Bytes that contain CRLFs, dashes and a near-boundary, to trip a naive splitter.
  const file = new Uint8Array(20_000).map((_, i) => (i % 97 === 0 ? 13 : i % 89 === 0 ? 10 : i % 7 === 0 ? 45 : (i * 31) & 0xff));
  file.set(enc.encode('\r\n--bound'), 5000);
  const boundary = 'boundary123';
  const raw = body(boundary, [
    { name: 'file', filename: 'x.bin', data: file },
    { name: 'public_id', data: enc.encode('a/b') },
    { name: 'tags[]', data: enc.encode('t1') },
  ]);

  for (const sizes of [[1], [7, 3], [64 * 1024], [boundary.length + 3, 1, 2], [raw.length]]) {
    it(`gives the same parts whatever the network chunking (${sizes.join(',')})`, async () => {
      const parts = await collect(pieces(raw, sizes), boundary);
      expect(parts.map((p) => [p.name, p.filename])).toEqual([
        ['file', 'x.bin'],
        ['public_id', null],
        ['tags[]', null],
      ]);
      expect(sameBytes(parts[0].data, file)).toBe(true);
      expect(new TextDecoder().decode(parts[1].data)).toBe('a/b');
    });
  }

  it('reads a file part that comes before the other fields and skips parts not drained', async () => {
    const names: string[] = [];
    for await (const part of readMultipart(pieces(raw, [1000]), boundary)) names.push(part.name);
    expect(names).toEqual(['file', 'public_id', 'tags[]']);
  });

  it('refuses a truncated body, a missing boundary and an over-long field with 400', async () => {
    const cut = raw.slice(0, raw.length - 30);
    await expect(collect(pieces(cut, [4096]), boundary)).rejects.toMatchObject({ status: 400 });
    await expect(collect(pieces(enc.encode('no multipart here'), [5]), boundary)).rejects.toBeInstanceOf(CldError);
    const long = body(boundary, [{ name: 'context', data: new Uint8Array(2000).fill(65) }]);
    const parts = readMultipart(pieces(long, [100]), boundary);
    const first = await parts.next();
    await expect(partText(first.value!, 1000)).rejects.toMatchObject({ status: 400 });
  });
});

describe('the streaming Base64 decoder', () => {
  const data = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7919) & 0xff);
  let bin = '';
  for (const b of data) bin += String.fromCharCode(b);
  const b64 = btoa(bin);

  async function decode(text: string, size: number) {
    const chunks: Uint8Array[] = [];
    const src = (async function* () {
      for (let i = 0; i < text.length; i += size) yield enc.encode(text.slice(i, i + size));
    })();
    for await (const c of decodeBase64(src)) chunks.push(c);
    return Uint8Array.from(chunks.flatMap((c) => [...c]));
  }

  for (const size of [1, 3, 5, 4096]) {
    it(`decodes across chunk boundaries of ${size}`, async () => {
      expect(sameBytes(await decode(b64, size), data)).toBe(true);
    });
  }

  it('skips line breaks, accepts missing padding and refuses junk', async () => {
    expect(sameBytes(await decode(b64.replace(/(.{76})/g, '$1\r\n'), 100), data)).toBe(true);
    expect(await decode(btoa('ab').replace(/=+$/, ''), 1)).toEqual(enc.encode('ab'));
    await expect(decode('abc$def', 3)).rejects.toMatchObject({ status: 400 });
    await expect(decode('YQ==YQ==', 4)).rejects.toMatchObject({ status: 400 });
  });
});

describe('the streaming urlencoded and JSON readers', () => {
  const read = async (text: string, type: string, sizes: number[]) => {
    const fields: Record<string, FieldValue> = {};
    const files: string[] = [];
    await readBodyFields(pieces(enc.encode(text), sizes), type, fields, {
      maxBodyBytes: 1 << 20,
      tooLarge: () => new CldError(400, 'too large'),
      onFile: async (file) => {
        const parts: Uint8Array[] = [];
        for await (const c of file.chunks) parts.push(c);
        files.push(new TextDecoder().decode(Uint8Array.from(parts.flatMap((c) => [...c]))));
      },
    });
    return { fields, files };
  };
  // Escapes of every kind, a surrogate pair as two escapes, and values that are not strings.
  const json = String.raw`{ "public_id" : "a\/b \"q\" \\ \u00e9 \ud83d\ude00", "tags": ["t1", "t2"], "n": 5, "flag": true, "nothing": null,
    "context": {"alt": "x,y}"}, "file": "data:text/plain,h\u00e9llo\/\ud83d\ude00" }`;
  const form = 'public_id=a%2Fb+c&tags[]=t1&tags[]=t2&&empty=&bare&file=data%3Atext%2Fplain%2Chi%25';

  for (const sizes of [[1], [2, 5], [7], [4096]]) {
    it(`gives the same fields whatever the network chunking (${sizes.join(',')})`, async () => {
      const j = await read(json, 'application/json', sizes);
      expect(j.fields).toEqual({ public_id: 'a/b "q" \\ é 😀', tags: ['t1', 't2'], n: '5', flag: 'true', context: '{"alt":"x,y}"}' });
      expect(j.files).toEqual(['data:text/plain,héllo/😀']);
      const f = await read(form, 'application/x-www-form-urlencoded', sizes);
      expect(f.fields).toEqual({ public_id: 'a/b c', tags: ['t1', 't2'], empty: '', bare: '' });
      expect(f.files).toEqual(['data:text/plain,hi%']);
    });
  }

  it('refuses malformed JSON and bodies past the ceiling with 400', async () => {
    for (const bad of ['{"a":1', '{"a" 1}', '[1]', String.raw`{"a":"x\q"}`, '{"a":1} x'])
      await expect(read(bad, 'application/json', [3])).rejects.toMatchObject({ status: 400 });
    const tooLarge = () => new CldError(400, 'too large');
    await expect(
      readBodyFields(pieces(enc.encode('a='.padEnd(5000, 'x')), [100]), '', {}, { maxBodyBytes: 1000, tooLarge }),
    ).rejects.toMatchObject({ message: 'too large' });
  });
});
