/**
 * The pixels of a w x h image reachable from its border through pixels that
 * pass `passes` (4-connected): 1 where reached. An explicit stack, so a large
 * connected region cannot overflow the call stack.
 */
export function fillFromEdges(w: number, h: number, passes: (p: number) => boolean): Uint8Array {
  const reached = new Uint8Array(w * h);
  const stack: number[] = [];
  const push = (p: number) => {
    if (!reached[p] && passes(p)) {
      reached[p] = 1;
      stack.push(p);
    }
  };
  for (let x = 0; x < w; x++) {
    push(x);
    push((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    push(y * w);
    push(y * w + w - 1);
  }
  while (stack.length) {
    const p = stack.pop() as number;
    const x = p % w;
    if (x > 0) push(p - 1);
    if (x < w - 1) push(p + 1);
    if (p >= w) push(p - w);
    if (p < w * (h - 1)) push(p + w);
  }
  return reached;
}
