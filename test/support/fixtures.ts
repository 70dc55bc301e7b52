import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The files in test/fixtures (real and hostile images; provenance in
 * test/fixtures/SOURCES.md), for the tests that run in Node.
 */
const FIXTURES = new URL('../fixtures/', import.meta.url);

/** A fixture's path, for SDK calls that take a file name. */
export const fixturePath = (name: string) => fileURLToPath(new URL(name, FIXTURES));

/** A fixture's bytes. */
export const fixtureBytes = (name: string): Buffer => readFileSync(fixturePath(name));

/** A fixture as a data URI, which the SDKs upload like a file. */
export const fixtureDataUri = (name: string, mimeType: string) => `data:${mimeType};base64,${fixtureBytes(name).toString('base64')}`;
