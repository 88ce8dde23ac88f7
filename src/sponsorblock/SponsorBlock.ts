/**
 * Skip segments of YouTube videos from a SponsorBlock server (SPONSORBLOCK_API_BASE): the parts
 * its community marked as a sponsor read, an intro, talk in a music video, … of the categories a
 * guild chose. Answers are decoded with Schema and kept a while, so a skip (which starts a new
 * run of the same track) or a replay does not ask again.
 *
 * It asks by hash prefix (`GET /api/skipSegments/<first 4 hex digits of SHA-256(videoID)>`)
 * rather than by video id: the server answers for every video whose hash starts so, and the one
 * playing is picked here, so the server never learns which video a guild listens to. The answer
 * is a little larger; the request is as simple.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { createHash } from "node:crypto"
import { type Segment, SponsorCategory } from "../../schema/Segments.ts"
import type { Track } from "../../schema/Track.ts"
import * as Section from "../config/Section.ts"
import { getJson, type JsonApiError } from "../resilience/JsonApi.ts"
import * as TtlCache from "../resilience/TtlCache.ts"
import { section, type SponsorBlockSettings } from "./SponsorBlockSettings.ts"

/**
 * One segment as the server lists it. `category` and `actionType` are read as text: the server
 * also has categories and actions that mark rather than skip (`poi_highlight`, `chapter`, `mute`),
 * and any it adds later must not fail the whole answer.
 */
const RawSegment = Schema.Struct({
  /** Start and end, in seconds of the video. */
  segment: Schema.Tuple([Schema.Number, Schema.Number]),
  category: Schema.String,
  actionType: Schema.optional(Schema.String)
})

/** The hash-prefix endpoint's answer: every video whose hash has the prefix, with its segments. */
const PrefixAnswer = Schema.Array(Schema.Struct({ videoID: Schema.String, segments: Schema.Array(RawSegment) }))

/** YouTube's video ids are 11 characters of the URL-safe base64 alphabet. */
const videoIdPattern = /^[\w-]{11}$/

/** The YouTube video a track plays, when it is one: from its id (`youtube:<video id>`). */
export const youtubeVideoId = (track: Pick<Track, "kind" | "id">): string | null => {
  if (track.kind !== "youtube") return null
  const id = track.id.replace(/^youtube:/, "")
  return videoIdPattern.test(id) ? id : null
}

/** Hash prefixes this short match many videos each: the server cannot tell which one plays. */
export const hashPrefix = (videoId: string): string => createHash("sha256").update(videoId).digest("hex").slice(0, 4)

/**
 * The video's segments among those answered for its prefix, in track time and in order: of the
 * categories asked for, to skip, and each a stretch of time (the server's are, but a segment
 * that is not would make playback jump backwards or nowhere).
 */
const skipsOf = (
  videos: typeof PrefixAnswer.Type,
  videoId: string,
  categories: ReadonlyArray<SponsorCategory>
): Array<Segment> =>
  (videos.find((v) => v.videoID === videoId)?.segments ?? [])
    .flatMap((s): Array<Segment> => {
      const [start, end] = s.segment
      const category = s.category
      if (!Schema.is(SponsorCategory)(category) || !categories.includes(category)) return []
      if ((s.actionType ?? "skip") !== "skip" || !(end > start) || start < 0) return []
      return [{ startMs: Math.round(start * 1000), endMs: Math.round(end * 1000), category }]
    })
    .sort((a, b) => a.startMs - b.startMs)

interface Lookup {
  readonly videoId: string
  readonly categories: ReadonlyArray<SponsorCategory>
}

export class SponsorBlock extends Context.Service<SponsorBlock, {
  /** The video's segments of these categories to skip, in order; none when it has none (or no category is asked for). */
  readonly segments: (
    videoId: string,
    categories: ReadonlyArray<SponsorCategory>
  ) => Effect.Effect<ReadonlyArray<Segment>, JsonApiError>
  /**
   * What playback skips of a track: a YouTube video's segments, none for any other track. Never
   * fails: without an answer the track plays whole, and the log says why.
   */
  readonly forTrack: (track: Track, categories: ReadonlyArray<SponsorCategory>) => Effect.Effect<ReadonlyArray<Segment>>
}>()("reprise/sponsorblock/SponsorBlock") {
  static readonly layer = (settings: SponsorBlockSettings) =>
    Layer.effect(
      SponsorBlock,
      Effect.gen(function*() {
        const http = yield* HttpClient.HttpClient

        const ask = ({ videoId, categories }: Lookup): Effect.Effect<ReadonlyArray<Segment>, JsonApiError> => {
          const request = HttpClientRequest.get(`${settings.apiBase}/api/skipSegments/${hashPrefix(videoId)}`).pipe(
            HttpClientRequest.setUrlParams({ categories: JSON.stringify(categories), actionTypes: JSON.stringify(["skip"]) })
          )
          return getJson(http, request, PrefixAnswer, settings.timeout).pipe(
            // None (404): no video with this prefix has segments; nothing to skip.
            Effect.map((videos) => skipsOf(Option.getOrElse(videos, () => []), videoId, categories)),
            Effect.withSpan("SponsorBlock.segments", { attributes: { "video.id": videoId } })
          )
        }

        // Segments change as people vote; a few minutes old is fresh enough for one listening.
        const cache = yield* TtlCache.make({
          name: "sponsorblock",
          capacity: 1000,
          timeToLive: () => "10 minutes",
          keyOf: (key: Lookup) => `${key.videoId} ${[...key.categories].sort().join(",")}`,
          lookup: ask
        })

        const segments = (videoId: string, categories: ReadonlyArray<SponsorCategory>) =>
          categories.length === 0 ? Effect.succeed([]) : cache.get({ videoId, categories })

        return SponsorBlock.of({
          segments,
          forTrack: (track, categories) => {
            const videoId = youtubeVideoId(track)
            if (videoId === null) return Effect.succeed([])
            return segments(videoId, categories).pipe(
              Effect.catch((error) =>
                Effect.as(
                  Effect.logWarning("no SponsorBlock segments; the track plays unskipped", { videoId, why: error.detail }),
                  []
                )
              )
            )
          }
        })
      })
    ).pipe(Layer.provide(FetchHttpClient.layer))

  /** Reads SPONSORBLOCK_API_BASE and SPONSORBLOCK_TIMEOUT from its section. */
  static readonly layerConfig = Layer.unwrap(Effect.map(Section.settingsOf(section), SponsorBlock.layer))
}
