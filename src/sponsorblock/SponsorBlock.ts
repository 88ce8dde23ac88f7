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
import { Context, Duration, Effect, Layer, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { createHash } from "node:crypto"
import { type Segment, SponsorCategory } from "../../schema/Segments.ts"
import type { Track } from "../../schema/Track.ts"
import * as Section from "../config/Section.ts"
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

export class Unreachable extends Schema.TaggedClass<Unreachable>()("Unreachable", {}) {
  readonly message = "SponsorBlock could not be reached."
}
export class BadAnswer extends Schema.TaggedClass<BadAnswer>()("BadAnswer", {}) {
  readonly message = "SponsorBlock answered with something that could not be read."
}

/** A lookup that did not complete; `detail` (status, decode problem) is for the log. */
export class SponsorBlockError extends Schema.TaggedError<SponsorBlockError>()("SponsorBlockError", {
  reason: Schema.Union([Unreachable, BadAnswer]),
  detail: Schema.String
}) {
  override get message() {
    return this.reason.message
  }
}

const failure = (reason: Unreachable | BadAnswer, detail: string) => new SponsorBlockError({ reason, detail })

/** What SponsorBlock's servers ask clients to name themselves with. */
const userAgent = "Reprise/0.1.0 (self-hosted Discord music bot)"

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

interface Lookup {
  readonly videoId: string
  readonly categories: ReadonlyArray<SponsorCategory>
}

export class SponsorBlock extends Context.Service<SponsorBlock, {
  /** The video's segments of these categories to skip, in order; none when it has none (or no category is asked for). */
  readonly segments: (
    videoId: string,
    categories: ReadonlyArray<SponsorCategory>
  ) => Effect.Effect<ReadonlyArray<Segment>, SponsorBlockError>
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

        const ask = ({ videoId, categories }: Lookup): Effect.Effect<ReadonlyArray<Segment>, SponsorBlockError> =>
          Effect.gen(function*() {
            const path = `/api/skipSegments/${hashPrefix(videoId)}`
            const request = HttpClientRequest.get(`${settings.apiBase}${path}`).pipe(
              HttpClientRequest.setUrlParams({ categories: JSON.stringify(categories), actionTypes: JSON.stringify(["skip"]) }),
              HttpClientRequest.acceptJson,
              HttpClientRequest.setHeader("User-Agent", userAgent)
            )
            const response = yield* http.execute(request).pipe(
              Effect.mapError((error) => failure(new Unreachable(), `${path}: ${error._tag} ${error.message}`))
            )
            // No video with this prefix has segments: not an error, nothing to skip.
            if (response.status === 404) return []
            if (response.status >= 500 || response.status === 429) {
              return yield* failure(new Unreachable(), `${path}: HTTP ${response.status}`)
            }
            if (response.status !== 200) return yield* failure(new BadAnswer(), `${path}: HTTP ${response.status}`)
            const body = yield* response.json.pipe(
              Effect.mapError((error) => failure(new BadAnswer(), `${path}: ${error.message}`))
            )
            const videos = yield* Schema.decodeUnknownEffect(PrefixAnswer)(body).pipe(
              Effect.mapError((error) => failure(new BadAnswer(), `${path}: ${error.message}`))
            )
            const chosen = new Set<string>(categories)
            return (videos.find((v) => v.videoID === videoId)?.segments ?? [])
              .flatMap((s): Array<Segment> => {
                const [start, end] = s.segment
                if (!Schema.is(SponsorCategory)(s.category) || !chosen.has(s.category)) return []
                if ((s.actionType ?? "skip") !== "skip" || !(end > start) || start < 0) return []
                return [{ startMs: Math.round(start * 1000), endMs: Math.round(end * 1000), category: s.category }]
              })
              .sort((a, b) => a.startMs - b.startMs)
          }).pipe(
            // The budget covers the body too: a server that stalls mid-answer is as unreachable as one that never answers.
            Effect.timeoutOrElse({
              duration: settings.timeout,
              orElse: () => Effect.fail(failure(new Unreachable(), `no answer within ${Duration.format(settings.timeout)}`))
            }),
            Effect.withSpan("SponsorBlock.segments", { attributes: { "video.id": videoId } })
          )

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
