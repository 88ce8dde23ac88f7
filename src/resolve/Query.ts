import { Effect } from "effect"
import { InvalidQuery, type ResolveError, resolveError } from "./ResolveError.ts"

/** The longest URL accepted; longer ones are junk or an attack on a parser. */
export const URL_MAX_LENGTH = 2048

export const DIRECT_EXTENSIONS = [".mp3", ".mp4", ".m4a", ".wav", ".ogg", ".opus", ".flac", ".webm", ".aac"] as const
export const HLS_EXTENSIONS = [".m3u8"] as const

/** What a user typed, sorted by which source handles it. */
export type ParsedQuery =
  | { readonly _tag: "Search"; readonly text: string }
  | { readonly _tag: "Local"; readonly name: string }
  | { readonly _tag: "Spotify"; readonly type: "track" | "album" | "playlist"; readonly id: string }
  | { readonly _tag: "Direct"; readonly url: string; readonly hls: boolean }
  | { readonly _tag: "Url"; readonly url: string }

const invalid = (message: string): ResolveError => resolveError("query", new InvalidQuery({ message }))

const SPOTIFY_URI = /^spotify:(track|album|playlist):([A-Za-z0-9]{10,40})$/
const SPOTIFY_PATH = /^\/(?:intl-[a-z-]+\/)?(track|album|playlist)\/([A-Za-z0-9]{10,40})\/?$/

/** Any `scheme://` prefix: every such input is a URL, so file:// and ftp:// reach the URL guard and are refused there. */
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

export const parseQuery = (input: string, options: { readonly maxLength: number }): Effect.Effect<ParsedQuery, ResolveError> =>
  Effect.suspend((): Effect.Effect<ParsedQuery, ResolveError> => {
    // Control characters have no place in a query and confuse every downstream tool.
    const text = input.replace(/[\u0000-\u001f\u007f]/g, " ").trim()
    if (text === "") return Effect.fail(invalid("Type a song name or paste a link."))
    if (/^local:/i.test(text)) {
      const name = text.slice("local:".length).trim()
      if (name === "" || name.length > options.maxLength) return Effect.fail(invalid("Give the name of a file in the music library."))
      return Effect.succeed({ _tag: "Local", name })
    }
    const uri = SPOTIFY_URI.exec(text)
    if (uri !== null) return Effect.succeed({ _tag: "Spotify", type: uri[1] as "track", id: uri[2]! })
    const urlLike = HAS_SCHEME.test(text) || /^www\./i.test(text)
    if (urlLike) {
      if (text.length > URL_MAX_LENGTH) return Effect.fail(invalid(`Links longer than ${URL_MAX_LENGTH} characters are refused.`))
      const url = URL.parse(HAS_SCHEME.test(text) ? text : `https://${text}`)
      if (url === null) return Effect.fail(invalid("That link is not a valid URL."))
      if (url.hostname === "open.spotify.com") {
        const m = SPOTIFY_PATH.exec(url.pathname)
        if (m === null) return Effect.fail(invalid("Only Spotify track, album and playlist links can be played."))
        return Effect.succeed({ _tag: "Spotify", type: m[1] as "track", id: m[2]! })
      }
      const path = url.pathname.toLowerCase()
      if (DIRECT_EXTENSIONS.some((e) => path.endsWith(e))) return Effect.succeed({ _tag: "Direct", url: url.href, hls: false })
      if (HLS_EXTENSIONS.some((e) => path.endsWith(e))) return Effect.succeed({ _tag: "Direct", url: url.href, hls: true })
      return Effect.succeed({ _tag: "Url", url: url.href })
    }
    if (text.length > options.maxLength) {
      return Effect.fail(invalid(`Searches are limited to ${options.maxLength} characters.`))
    }
    return Effect.succeed({ _tag: "Search", text })
  })

/** A dedup/cache key for a query: case and spacing of a search do not change its answer. */
export const queryKey = (q: ParsedQuery): string => {
  switch (q._tag) {
    case "Search":
      return `search:${q.text.toLowerCase().replace(/\s+/g, " ")}`
    case "Local":
      return `local:${q.name.toLowerCase()}`
    case "Spotify":
      return `spotify:${q.type}:${q.id}`
    case "Direct":
    case "Url":
      return `url:${q.url}`
  }
}
