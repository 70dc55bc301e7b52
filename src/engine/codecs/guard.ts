import { badRequest } from '../../errors';

/**
 * Runs a decoder and turns any failure into a 400 that says which format
 * could not be read. photon reports every failure as a bare WASM trap
 * (`RuntimeError: unreachable`) without a message.
 */
export async function guardDecoder<T>(format: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof Error && err.name === 'CldError') throw err;
    throw badRequest(`Invalid image file: the ${format} data could not be decoded`);
  }
}
