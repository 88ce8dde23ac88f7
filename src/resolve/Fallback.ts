import { Effect } from "effect"
import type { Playable } from "../audio/Playable.ts"
import type { TrackInfo } from "./Resolution.ts"
import type { ResolveError } from "./ResolveError.ts"
import type { ResolverSettings } from "./ResolveSettings.ts"
import { playableByKind, type Source } from "./Source.ts"
import { siteOf, type YtDlpSource } from "./sources/YtDlpSource.ts"

/**
 * Failures another attempt at the same source will not fix, so another source is worth a try:
 * YouTube's sign-in check, an open circuit, and a video that is region-locked, private or removed
 * (yt-dlp's extractors say so in the error line classifyStderr keeps as `detail`). A missing search
 * result, a timeout or a 5xx are not among them: the retries handle the latter, and nothing would
 * match the former.
 */
export const fallsBack = (e: ResolveError): boolean => {
  switch (e.reason._tag) {
    case "BotCheck":
    case "SourceDown":
      return true
    case "NotFound":
      return /available in your country|geo.?restrict|from your location|private video|has been removed|video unavailable|not available/i
        .test(e.reason.detail ?? "")
    default:
      return false
  }
}

const words = (s: string): ReadonlyArray<string> =>
  s.toLowerCase().normalize("NFKD").replace(/[^\p{L}\p{N}]+/gu, " ").split(" ").filter((w) => w.length > 1)

/** What a substitute must resemble. */
export type Wanted = Pick<TrackInfo, "title" | "author" | "durationMs">

/**
 * How well `candidate` stands in for `wanted`, in [0, 1]; null when it must not (its length is off
 * by more than `toleranceMs`, or unknown while the wanted one is known: a live version, an extended
 * mix, another song). The score is the share of the wanted title's and artist's words found in the
 * candidate's title and uploader, as a re-upload often writes "Artist - Title" into its title.
 */
export const matchScore = (wanted: Wanted, candidate: Wanted, toleranceMs: number): number | null => {
  if (wanted.durationMs !== null) {
    if (candidate.durationMs === null || Math.abs(candidate.durationMs - wanted.durationMs) > toleranceMs) return null
  }
  const want = new Set([...words(wanted.title), ...words(wanted.author ?? "")])
  if (want.size === 0) return null
  const have = new Set(words(`${candidate.title} ${candidate.author ?? ""}`))
  let shared = 0
  for (const w of want) if (have.has(w)) shared++
  return shared / want.size
}

/** Below this share of words a candidate is another song that happens to be as long. */
export const MIN_SCORE = 0.6

/** Words of the candidate the wanted track does not have ("extended", "mix", "live"). */
const extraWords = (wanted: Wanted, candidate: Wanted): number => {
  const want = new Set([...words(wanted.title), ...words(wanted.author ?? "")])
  return new Set(words(`${candidate.title} ${candidate.author ?? ""}`).filter((w) => !want.has(w))).size
}

/**
 * The best-scoring candidate; among equals the closest in length, then the one with the fewest
 * words of its own (the plain title before a remix of it); null when none scores MIN_SCORE.
 */
export const pickSubstitute = <T extends Wanted>(wanted: Wanted, candidates: ReadonlyArray<T>, toleranceMs: number): T | null => {
  let best: { readonly track: T; readonly rank: ReadonlyArray<number> } | null = null
  for (const c of candidates) {
    const score = matchScore(wanted, c, toleranceMs)
    if (score === null || score < MIN_SCORE) continue
    const diff = wanted.durationMs === null || c.durationMs === null ? 0 : Math.abs(c.durationMs - wanted.durationMs)
    // Compared in order, lower first: the score negated, the length's difference, the extra words.
    const rank = [-score, diff, extraWords(wanted, c)]
    if (best === null || before(rank, best.rank)) best = { track: c, rank }
  }
  return best?.track ?? null
}

const before = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): boolean => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!
  return false
}

/** The words a fallback search is made of. */
export const searchText = (wanted: Wanted): string => (wanted.author === null ? wanted.title : `${wanted.author} - ${wanted.title}`)

/** How many candidates a fallback search asks for. */
export const CANDIDATES = 5

/**
 * `playable` by the track's kind, and when its source fails for good, that of a substitute found
 * with FALLBACK_SEARCH_PREFIX. The resolver caches the answer under the track's id, so the next
 * play of the track goes straight to the substitute's stream. Without a substitute (none matches,
 * the track's length is unknown, the search fails), or when the substitute fails too, the
 * listener hears the original failure; the rest goes to the logs.
 */
export const playWithFallback = Effect.fnUntraced(function*(
  settings: Pick<ResolverSettings, "fallback">,
  sources: { readonly registry: ReadonlyArray<Source>; readonly ytdlp: YtDlpSource }
) {
  const byKind = yield* playableByKind(sources.registry)
  if (settings.fallback.searchPrefix === null) return byKind

  /** A substitute for `track`; none when no hit matches or its length is unknown. */
  const find = (track: TrackInfo) =>
    // Without a length to compare, a search by title alone could pick another song.
    track.durationMs === null ? Effect.succeed(null) : sources.ytdlp.substitute(track, searchText(track))

  const viaSubstitute = (track: TrackInfo, original: ResolveError): Effect.Effect<Playable, ResolveError> =>
    find(track).pipe(
      Effect.tapError((e) => Effect.logWarning("fallback search failed", { track: track.id, error: e.message })),
      Effect.orElseSucceed(() => null),
      Effect.flatMap((substitute) =>
        substitute === null
          ? Effect.fail(original)
          : Effect.logInfo("playing a substitute", { track: track.id, substitute: substitute.id, because: original.message }).pipe(
            Effect.andThen(byKind(substitute)),
            Effect.map((playable): Playable => ({
              ...playable,
              substitution: { from: siteOf(track.location).label, to: siteOf(substitute.location).label }
            })),
            Effect.tapError((e) => Effect.logWarning("the substitute failed", { track: track.id, substitute: substitute.id, error: e.message })),
            Effect.catch(() => Effect.fail(original))
          )
      )
    )

  return (track: TrackInfo): Effect.Effect<Playable, ResolveError> =>
    byKind(track).pipe(Effect.catchIf(fallsBack, (e) => viaSubstitute(track, e)))
})
