import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit } from "effect"
import { afterAll, beforeAll } from "vitest"
import type { JsonApiError } from "../../src/resilience/JsonApi.ts"
import { SponsorBlock } from "../../src/sponsorblock/SponsorBlock.ts"
import { type FakeSponsorBlock, sha256, sharingPrefix, startFakeSponsorBlock } from "../support/fakeSponsorBlock.ts"
import { track } from "../player/support/tracks.ts"

const video = "dQw4w9WgXcQ"
const bare = "aaaaaaaaaaa"

let fake: FakeSponsorBlock
beforeAll(async () => {
  fake = await startFakeSponsorBlock()
  fake.videos.set(video, [
    { segment: [200.5, 212], category: "outro" },
    { segment: [0, 14.2], category: "music_offtopic" },
    { segment: [30, 45], category: "sponsor" },
    { segment: [60, 60], category: "poi_highlight", actionType: "poi" },
    { segment: [90, 95], category: "music_offtopic", actionType: "mute" }
  ])
  // Another video whose hash starts the same: the server answers for both.
  fake.videos.set(sharingPrefix(video), [{ segment: [1, 2], category: "music_offtopic" }])
})
afterAll(() => fake.close())

const withSponsorBlock = <A, E>(use: (s: SponsorBlock["Service"]) => Effect.Effect<A, E>, timeout = Duration.seconds(2)) =>
  SponsorBlock.use(use).pipe(Effect.provide(SponsorBlock.layer({ apiBase: fake.url, timeout })))

const reasonOf = <A>(exit: Exit.Exit<A, JsonApiError>) => {
  assert.isTrue(Exit.isFailure(exit), "the lookup fails")
  const reason = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  return reason?._tag === "Fail" ? reason.error.kind : undefined
}

describe("SponsorBlock", () => {
  it.live("asks by hash prefix, never by the video id, and keeps the video's skip segments of the categories asked for", () =>
    withSponsorBlock((sponsorBlock) =>
      Effect.gen(function*() {
        const before = fake.requests.length
        const segments = yield* sponsorBlock.segments(video, ["music_offtopic", "outro"])
        assert.deepStrictEqual(segments, [
          { startMs: 0, endMs: 14_200, category: "music_offtopic" },
          { startMs: 200_500, endMs: 212_000, category: "outro" }
        ])
        const [asked] = fake.requests.slice(before)
        assert.strictEqual(asked?.path, `/api/skipSegments/${sha256(video).slice(0, 4)}`)
        assert.notInclude(`${asked?.path}?${asked?.params.toString()}`, video)
        assert.strictEqual(asked?.params.get("categories"), "[\"music_offtopic\",\"outro\"]")
        assert.strictEqual(asked?.params.get("actionTypes"), "[\"skip\"]")
        // Asked again (a skip starts the track anew): answered from what was kept.
        yield* sponsorBlock.segments(video, ["outro", "music_offtopic"])
        assert.strictEqual(fake.requests.length, before + 1)
      })
    ))

  it.live("a video without segments (404) has none; no category asks nothing; a track that is not YouTube's has none", () =>
    withSponsorBlock((sponsorBlock) =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* sponsorBlock.segments(bare, ["music_offtopic"]), [])
        const before = fake.requests.length
        assert.deepStrictEqual(yield* sponsorBlock.segments(video, []), [])
        assert.deepStrictEqual(yield* sponsorBlock.forTrack(track("a file"), ["sponsor"]), [])
        assert.strictEqual(fake.requests.length, before)
        const youtube = track(video, { location: `https://www.youtube.com/watch?v=${video}` })
        const segments = yield* sponsorBlock.forTrack({ ...youtube, kind: "youtube", id: `youtube:${video}` }, ["sponsor"])
        assert.deepStrictEqual(segments, [{ startMs: 30_000, endMs: 45_000, category: "sponsor" }])
      })
    ))

  it.live("a server that is down, answers nonsense or stalls is a typed failure; for a track it means nothing to skip", () =>
    Effect.gen(function*() {
      const down = "bbbbbbbbbbb"
      const nonsense = "ccccccccccc"
      const stalled = "ddddddddddd"
      fake.videos.set(nonsense, [{ segment: [1, 2], category: "sponsor" }])
      fake.behaviours.set(down, "down")
      fake.behaviours.set(nonsense, "malformed")
      fake.behaviours.set(stalled, "stall")
      const short = Duration.millis(300)
      assert.strictEqual(reasonOf(yield* Effect.exit(withSponsorBlock((s) => s.segments(down, ["sponsor"])))), "Unreachable")
      assert.strictEqual(reasonOf(yield* Effect.exit(withSponsorBlock((s) => s.segments(nonsense, ["sponsor"])))), "BadAnswer")
      assert.strictEqual(reasonOf(yield* Effect.exit(withSponsorBlock((s) => s.segments(stalled, ["sponsor"]), short))), "Unreachable")
      const gone = yield* Effect.exit(
        SponsorBlock.use((s) => s.segments(video, ["sponsor"])).pipe(
          Effect.provide(SponsorBlock.layer({ apiBase: "http://127.0.0.1:9", timeout: short }))
        )
      )
      assert.strictEqual(reasonOf(gone), "Unreachable")
      const youtube = { ...track(stalled), kind: "youtube" as const, id: `youtube:${stalled}` }
      assert.deepStrictEqual(yield* withSponsorBlock((s) => s.forTrack(youtube, ["sponsor"]), short), [])
    }))
})
