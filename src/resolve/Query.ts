import { Result } from "effect"
import { InvalidQuery, type ResolveError, resolveError } from "./ResolveError.ts"

/** The longest URL accepted; longer ones are junk or an attack on a parser. */
export const URL_MAX_LENGTH = 2048

/**
 * What a user typed, cleaned once and then offered to every source's claim (src/resolve/Source.ts).
 * Deliberately source-neutral: which source a query belongs to is each source's own decision.
 */
export interface Query {
  /** Control characters blanked, trimmed; never empty. */
  readonly text: string
  /**
   * Set when the text looks like a link (a `scheme://` or `www.` prefix): its URL, or why it is not
   * a usable one (too long, unparsable). Null for words.
   */
  readonly link: Result.Result<URL, ResolveError> | null
}

/** A query the user has to fix; the message is shown to them as it is. */
export const invalidQuery = (message: string): ResolveError => resolveError("query", new InvalidQuery({ message }))

/** Any `scheme://` prefix: every such input is a URL, so file:// and ftp:// reach the URL guard and are refused there. */
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

const parseLink = (text: string): Result.Result<URL, ResolveError> => {
  if (text.length > URL_MAX_LENGTH) return Result.fail(invalidQuery(`Links longer than ${URL_MAX_LENGTH} characters are refused.`))
  const url = URL.parse(HAS_SCHEME.test(text) ? text : `https://${text}`)
  return url === null ? Result.fail(invalidQuery("That link is not a valid URL.")) : Result.succeed(url)
}

// Control characters have no place in a query and confuse every downstream tool.
const CONTROL = /[\u0000-\u001f\u007f]/g

export const parseQuery = (input: string): Result.Result<Query, ResolveError> => {
  const text = input.replace(CONTROL, " ").trim()
  if (text === "") return Result.fail(invalidQuery("Type a song name or paste a link."))
  const linkLike = HAS_SCHEME.test(text) || /^www\./i.test(text)
  return Result.succeed({ text, link: linkLike ? parseLink(text) : null })
}

/** The query's URL when it is a usable link, for sources that take only those (a bad link is left to later ones). */
export const urlOf = (query: Query): URL | null =>
  query.link !== null && Result.isSuccess(query.link) ? query.link.success : null

/**
 * Words as a search is keyed by: case, spacing and control characters do not change what a
 * search finds, so "Blue  Moon" typed into `/play`'s suggestions and "blue moon" played share one.
 */
export const searchKey = (words: string): string => words.replace(CONTROL, " ").trim().replace(/\s+/g, " ").toLowerCase()
