/**
 * A count as users read it: "1 track", "2 tracks". Every edge and every message that names a
 * count goes through it; `many` is for the nouns whose plural is not the singular plus "s".
 */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`
