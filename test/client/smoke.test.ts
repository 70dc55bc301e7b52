import { inject, it, expect } from 'vitest';

it('the worker answers over HTTP', async () => {
  const res = await fetch(inject('workerUrl') + '/');
  expect(res.status).toBe(200);
});
