/**
 * SponsorBlock through the real pipeline: YouTube-kind tracks of stepped tones (each second its
 * own frequency, so the sound tells the position) play into the recording voice output, with
 * their segments from a local fake SponsorBlock; the tests decode what each guild was sent.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer } from "effect"
import { afterAll, beforeAll } from "vitest"
import { GuildId } from "../../schema/Ids.ts"
import * as Cmd from "../../schema/PlayerCommand.ts"
import { Track } from "../../schema/Track.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import { GuildSettingsRepo } from "../../src/persistence/GuildSettingsRepo.ts"
import { guildSegments, PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import { SponsorBlock } from "../../src/sponsorblock/SponsorBlock.ts"
import { steps } from "../discord/steppedTone.ts"
import { RecordingVoiceOutput } from "../support/RecordingVoiceOutput.ts"
import { generateTone, generateToneSequence } from "../support/audioFixtures.ts"
import { type FakeSponsorBlock, startFakeSponsorBlock } from "../support/fakeSponsorBlock.ts"
import { fixturesForFile } from "../support/fixturesForFile.ts"
import { memorySettings } from "../support/guildFakes.ts"
import { awaitEvent, type Heard, hear, isTag } from "./support/listen.ts"
import { handOverLocations } from "./support/FakeAudio.ts"
import { user } from "./support/tracks.ts"

const SECONDS = steps(4)
const AFTER = 900

const { files } = fixturesForFile("sponsorblock", {
  steps: (d) => generateToneSequence(d, { frequencies: SECONDS, format: "flac" }),
  after: (d) => generateTone(d, { frequency: AFTER, seconds: 1, format: "flac" })
})

let fake: FakeSponsorBlock
beforeAll(async () => {
  fake = await startFakeSponsorBlock()
})
afterAll(() => fake.close())

const layer = () =>
  Layer.unwrap(Effect.gen(function*() {
    return PlayerRegistry.layer({ segments: guildSegments(yield* GuildSettingsRepo, yield* SponsorBlock) })
  })).pipe(
    Layer.provideMerge(Layer.mergeAll(
      FfmpegPipeline.layer(),
      RecordingVoiceOutput.layer,
      handOverLocations,
      memorySettings(),
      SponsorBlock.layer({ apiBase: fake.url, timeout: Duration.seconds(2) })
    ))
  )

/** A YouTube video (as yt-dlp names it) that plays the stepped tone. */
const video = (videoId: string) =>
  new Track({
    id: `youtube:${videoId}`,
    kind: "youtube",
    location: files.steps,
    title: videoId,
    author: null,
    durationMs: 4000,
    artworkUrl: null,
    requester: user
  })
const after = () => new Track({ ...video("afterwards0"), id: "file:after", kind: "file", location: files.after, durationMs: 1000 })

const guild = (n: number) => GuildId.make(`40000000000000000${n}`)
const enqueue = (...tracks: [Track, ...Array<Track>]) => new Cmd.Enqueue({ tracks, position: "end", requester: user })

/** How many packets of each tone a guild heard (silence and codec warm-up left out). */
const tally = (heard: ReadonlyArray<Heard>) => {
  const counts = new Map<number, number>()
  for (const h of heard) if (h.db > -40) counts.set(h.frequency, (counts.get(h.frequency) ?? 0) + 1)
  return (frequency: number) => counts.get(frequency) ?? 0
}

const playAndHear = (guildId: GuildId, ...tracks: [Track, ...Array<Track>]) =>
  Effect.gen(function*() {
    const registry = yield* PlayerRegistry
    const sub = yield* registry.subscribe
    yield* registry.send(guildId, enqueue(...tracks))
    yield* awaitEvent(sub, isTag("Idle", guildId), "30 seconds")
    return tally(hear(yield* (yield* RecordingVoiceOutput).recording(guildId), [...SECONDS, AFTER]))
  })

describe("SponsorBlock segments, played", () => {
  it.live("a non-music segment is skipped: the sound jumps from its start to its end, and the skip is published", () =>
    Effect.gen(function*() {
      fake.videos.set("skipsMiddle", [{ segment: [1, 3], category: "music_offtopic" }])
      const registry = yield* PlayerRegistry
      const sub = yield* registry.subscribe
      const heard = yield* Effect.forkChild(playAndHear(guild(1), video("skipsMiddle")))
      const skipped = yield* awaitEvent(sub, isTag("SegmentSkipped", guild(1)), "20 seconds")
      assert.deepStrictEqual(skipped.segment, { startMs: 1000, endMs: 3000, category: "music_offtopic" })
      const count = yield* Fiber.join(heard)
      // Second 0 whole, second 2 never; of second 1 only what the old run played while the new one started.
      assert.isAtLeast(count(SECONDS[0]!), 40)
      assert.strictEqual(count(SECONDS[2]!), 0)
      assert.isBelow(count(SECONDS[1]!), 25)
      assert.isAtLeast(count(SECONDS[3]!), 40)
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.live("a segment lasting to the end of the video ends it: the next track follows", () =>
    Effect.gen(function*() {
      fake.videos.set("skipsToEnd0", [{ segment: [2, 4], category: "music_offtopic" }])
      const registry = yield* PlayerRegistry
      const sub = yield* registry.subscribe
      const heard = yield* Effect.forkChild(playAndHear(guild(2), video("skipsToEnd0"), after()))
      const ended = yield* awaitEvent(sub, isTag("TrackEnded", guild(2)), "20 seconds")
      assert.strictEqual(ended.reason, "finished")
      assert.isBelow(ended.atMs, 3000)
      const count = yield* Fiber.join(heard)
      assert.isAtLeast(count(SECONDS[1]!), 40)
      assert.strictEqual(count(SECONDS[3]!), 0)
      assert.isAtLeast(count(AFTER), 40)
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.live("plays through unskipped without segments (404), with the API down or slow, and for categories not chosen", () =>
    Effect.gen(function*() {
      fake.videos.set("notChosen00", [{ segment: [1, 3], category: "music_offtopic" }])
      fake.videos.set("apiIsDown00", [{ segment: [1, 3], category: "music_offtopic" }])
      fake.videos.set("apiIsSlow00", [{ segment: [1, 3], category: "music_offtopic" }])
      fake.behaviours.set("apiIsDown00", "down")
      fake.behaviours.set("apiIsSlow00", "stall")
      yield* (yield* GuildSettingsRepo).setSponsorBlock(guild(6), ["sponsor", "intro"])
      const counts = yield* Effect.all([
        playAndHear(guild(3), video("noSegments0")),
        playAndHear(guild(4), video("apiIsDown00")),
        playAndHear(guild(5), video("apiIsSlow00")),
        playAndHear(guild(6), video("notChosen00"))
      ], { concurrency: "unbounded" })
      for (const count of counts) {
        for (const frequency of SECONDS) assert.isAtLeast(count(frequency), 40, `${frequency} Hz heard whole`)
      }
    }).pipe(Effect.scoped, Effect.provide(layer())))
})
