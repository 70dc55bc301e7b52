/**
 * WASM memory a codec keeps between requests (an Emscripten module loaded
 * once and reused). A WASM memory never shrinks, so what a codec keeps is a
 * standing charge of the engine's memory budget: codecs report it here with a
 * way to let it go, the engine reads it after each request and lets it go
 * when a request needs the room.
 */
interface Resident {
  bytes: number;
  release: () => void;
}

const resident = new Map<string, Resident>();

export function reportResident(codec: string, bytes: number, release: () => void): void {
  // A released or emptied entry stays at 0 bytes, so the engine's next settling clears its standing charge.
  resident.set(codec, bytes > 0 ? { bytes, release } : { bytes: 0, release: () => undefined });
}

export const residentCodecs = (): [string, number][] => [...resident].map(([name, r]) => [name, r.bytes]);

/** Lets every kept module go (the next call loads a fresh one). */
export function releaseResident(): void {
  for (const [name, r] of [...resident]) {
    r.release();
    resident.set(name, { bytes: 0, release: () => undefined });
  }
}
