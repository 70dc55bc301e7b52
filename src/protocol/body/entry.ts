/**
 * One parameter of a request body as it streams in: a multipart part, a
 * urlencoded pair or a member of a JSON object. Its bytes must be drained (or
 * the entry skipped) before the next entry is read.
 */
export interface BodyEntry {
  name: string;
  /** The file name of a multipart file part; null for every other entry. */
  filename: string | null;
  /** A JSON member whose value is not a string (number, boolean, array, object): the bytes are its JSON text. */
  json?: boolean;
  chunks(): AsyncGenerator<Uint8Array>;
}
