/**
 * mulberry32: a tiny, fast 32-bit PRNG. Shuffles take their seed from outside so the
 * queue model stays pure and a given seed always gives the same order.
 */
export const mulberry32 = (seed: number): () => number => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fisher–Yates over a copy; the input is left alone. */
export const shuffled = <A>(items: ReadonlyArray<A>, seed: number): Array<A> => {
  const out = items.slice()
  const next = mulberry32(seed)
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    const tmp = out[i] as A
    out[i] = out[j] as A
    out[j] = tmp
  }
  return out
}
