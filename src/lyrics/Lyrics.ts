/**
 * Lyrics from an LRCLIB server (LYRICS_API_BASE): by a track's title, artist and duration, by
 * free search, or by LRCLIB's id (what page buttons carry). Answers are decoded with Schema and
 * kept briefly, so paging and a live view do not ask again.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import * as Section from "../config/Section.ts"
import { getJson } from "../resilience/JsonApi.ts"
import * as TtlCache from "../resilience/TtlCache.ts"
import { type LrcLine, parseLrc } from "./Lrc.ts"
import { type LyricsSettings, section } from "./LyricsSettings.ts"

/** One LRCLIB record, as its API answers `/api/get`, `/api/get/{id}` and (in an array) `/api/search`. */
const LrclibRecord = Schema.Struct({
  id: Schema.Int,
  trackName: Schema.String,
  artistName: Schema.String,
  albumName: Schema.optional(Schema.NullOr(Schema.String)),
  /** Seconds. */
  duration: Schema.optional(Schema.NullOr(Schema.Number)),
  instrumental: Schema.Boolean,
  plainLyrics: Schema.NullOr(Schema.String),
  syncedLyrics: Schema.NullOr(Schema.String)
})
type LrclibRecord = typeof LrclibRecord.Type

/** A song's words as Reprise shows them. */
export interface Song {
  readonly id: number
  readonly trackName: string
  readonly artistName: string
  readonly instrumental: boolean
  /** The words without times: LRCLIB's plain text, or the synced lines' text when it has none. */
  readonly plain: string | null
  /** Timed lines, in order; empty without synced lyrics. */
  readonly synced: ReadonlyArray<LrcLine>
}

/** What a track is known by, to look its lyrics up. */
export interface TrackKey {
  readonly title: string
  readonly artist: string | null
  readonly durationMs: number | null
}

export class Unreachable extends Schema.TaggedClass<Unreachable>()("Unreachable", {}) {
  readonly message = "I couldn't reach the lyrics service just now; try again in a moment."
}
export class BadAnswer extends Schema.TaggedClass<BadAnswer>()("BadAnswer", {}) {
  readonly message = "The lyrics service answered with something I couldn't read; try again later."
}

/** A lookup that did not complete; `detail` is for the log (status, decode problem), never for the user. */
export class LyricsError extends Schema.TaggedError<LyricsError>()("LyricsError", {
  reason: Schema.Union([Unreachable, BadAnswer]),
  detail: Schema.String
}) {
  override get message() {
    return this.reason.message
  }
}

/** A record Reprise can show: words, or the knowledge that there are none. */
const usable = (r: LrclibRecord) => r.instrumental || r.plainLyrics !== null || r.syncedLyrics !== null

const songOf = (r: LrclibRecord): Song => {
  const synced = r.syncedLyrics === null ? [] : parseLrc(r.syncedLyrics)
  const fromSynced = synced.map((line) => line.text).join("\n")
  return {
    id: r.id,
    trackName: r.trackName,
    artistName: r.artistName,
    instrumental: r.instrumental,
    plain: r.plainLyrics ?? (fromSynced.trim() === "" ? null : fromSynced),
    synced
  }
}

/**
 * The search result most likely to be the track: one whose duration is within a few seconds of
 * it counts most, one whose artist the track's names mention next; ties go to LRCLIB's order.
 */
const bestMatch = (records: ReadonlyArray<LrclibRecord>, track: TrackKey): LrclibRecord | undefined => {
  const names = `${track.artist ?? ""} ${track.title}`.toLowerCase()
  const score = (r: LrclibRecord) =>
    (track.durationMs !== null && r.duration != null && Math.abs(r.duration * 1000 - track.durationMs) <= 3000 ? 2 : 0) +
    (r.artistName !== "" && names.includes(r.artistName.toLowerCase()) ? 1 : 0)
  let best: LrclibRecord | undefined
  for (const r of records.filter(usable)) if (best === undefined || score(r) > score(best)) best = r
  return best
}

const lyricsError = (reason: Unreachable | BadAnswer, detail: string) => new LyricsError({ reason, detail })

export class Lyrics extends Context.Service<Lyrics, {
  /** The lyrics of a track that plays; none when LRCLIB has nothing for it. */
  readonly forTrack: (track: TrackKey) => Effect.Effect<Option.Option<Song>, LyricsError>
  /** The best of LRCLIB's answers to free words. */
  readonly search: (query: string) => Effect.Effect<Option.Option<Song>, LyricsError>
  /** A song found before (page buttons carry its id). */
  readonly byId: (id: number) => Effect.Effect<Option.Option<Song>, LyricsError>
}>()("reprise/lyrics/Lyrics") {
  static readonly layer = (settings: LyricsSettings) =>
    Layer.effect(
      Lyrics,
      Effect.gen(function*() {
        const http = yield* HttpClient.HttpClient

        /** One GET of the API within the budget: the decoded body, or none for a 404. */
        const get = <S extends Schema.Top & { readonly DecodingServices: never }>(
          path: string,
          params: Readonly<Record<string, string>>,
          schema: S
        ): Effect.Effect<Option.Option<S["Type"]>, LyricsError> => {
          const request = HttpClientRequest.get(`${settings.apiBase}${path}`).pipe(
            HttpClientRequest.setUrlParams(params)
          )
          return getJson(http, request, schema, settings.timeout).pipe(
            Effect.mapError((error) => lyricsError(error.kind === "Unreachable" ? new Unreachable() : new BadAnswer(), error.detail)),
            Effect.withSpan("Lyrics.get", { attributes: { path } })
          )
        }

        const searchFor = (params: Readonly<Record<string, string>>) =>
          Effect.map(get("/api/search", params, Schema.Array(LrclibRecord)), Option.getOrElse(() => []))

        type Lookup =
          | { readonly _tag: "Track"; readonly track: TrackKey }
          | { readonly _tag: "Search"; readonly query: string }
          | { readonly _tag: "Id"; readonly id: number }

        const lookup = (key: Lookup): Effect.Effect<Option.Option<LrclibRecord>, LyricsError> => {
          switch (key._tag) {
            case "Id":
              return get(`/api/get/${key.id}`, {}, LrclibRecord)
            case "Search":
              return Effect.map(searchFor({ q: key.query }), (found) => Option.fromNullishOr(found.find(usable)))
            case "Track": {
              const { title, artist, durationMs } = key.track
              // The exact lookup needs an artist and a duration; without a match, search by the title.
              const exact = artist === null || durationMs === null
                ? Effect.succeed(Option.none<LrclibRecord>())
                : Effect.map(
                  get("/api/get", { track_name: title, artist_name: artist, duration: String(Math.round(durationMs / 1000)) }, LrclibRecord),
                  Option.filter(usable)
                )
              return Effect.flatMap(exact, (found) =>
                Option.isSome(found)
                  ? Effect.succeed(found)
                  : Effect.map(searchFor({ q: title }), (results) => Option.fromNullishOr(bestMatch(results, key.track))))
            }
          }
        }

        const cache: TtlCache.TtlCache<Lookup, Option.Option<Song>, LyricsError> = yield* TtlCache.make({
          name: "lyrics",
          capacity: 500,
          timeToLive: () => "10 minutes",
          keyOf: (key: Lookup) => JSON.stringify(key),
          lookup: (key: Lookup) =>
            lookup(key).pipe(
              Effect.map(Option.map(songOf)),
              Effect.tap(Option.match({ onNone: () => Effect.void, onSome: (song) => remember(song) }))
            )
        })
        // A song found by a track or a search is found again by its id without asking.
        const remember = (song: Song): Effect.Effect<void> => cache.set({ _tag: "Id", id: song.id }, Option.some(song))

        return Lyrics.of({
          forTrack: (track) => cache.get({ _tag: "Track", track: { title: track.title, artist: track.artist, durationMs: track.durationMs } }),
          search: (query) => cache.get({ _tag: "Search", query }),
          byId: (id) => cache.get({ _tag: "Id", id })
        })
      })
    ).pipe(Layer.provide(FetchHttpClient.layer))

  /** Reads LYRICS_API_BASE and LYRICS_TIMEOUT from the lyrics section. */
  static readonly layerConfig = Layer.unwrap(Effect.map(Section.settingsOf(section), Lyrics.layer))
}
