/** Texts as users read them, written once for every edge. */

/**
 * A count as users read it: "1 track", "2 tracks". Every edge and every message that names a
 * count goes through it; `many` is for the nouns whose plural is not the singular plus "s".
 */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

/** A text cut to at most `n` characters, with an ellipsis when it was longer (Discord caps most fields). */
export const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`)
