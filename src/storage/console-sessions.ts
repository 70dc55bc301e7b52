/**
 * Server-side records of console sessions, in KV. A session cookie is valid
 * only while its record exists: sign-out deletes it, so a copied cookie stops
 * working. Records expire by themselves with the session.
 */
const recordKey = (cloud: string, id: string) => `console-session:${cloud}:${id}`;

export async function recordSession(kv: KVNamespace, cloud: string, id: string, expiresAt: number): Promise<void> {
  await kv.put(recordKey(cloud, id), '1', { expiration: expiresAt });
}

export async function sessionRecorded(kv: KVNamespace, cloud: string, id: string): Promise<boolean> {
  return (await kv.get(recordKey(cloud, id))) !== null;
}

export async function forgetSession(kv: KVNamespace, cloud: string, id: string): Promise<void> {
  await kv.delete(recordKey(cloud, id));
}
