/**
 * The audio process dying under a playing track (killed, out of memory) is not the track's fault:
 * the player starts a new one at the position and the track goes on.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { GuildId } from "../../schema/Ids.ts"
import * as Cmd from "../../schema/PlayerCommand.ts"
import { FfmpegPipeline } from "../../src/audio/FfmpegPipeline.ts"
import { PlayerRegistry } from "../../src/player/PlayerRegistry.ts"
import { workingFfmpeg } from "../support/audioProcesses.ts"
import { generateToneSequence } from "../support/audioFixtures.ts"
import { fixturesForFile } from "../support/fixturesForFile.ts"
import { RecordingVoiceOutput } from "../support/RecordingVoiceOutput.ts"
import { handOverLocations } from "./support/FakeAudio.ts"
import { hear, sessions, waitForPackets } from "./support/listen.ts"
import { track, user } from "./support/tracks.ts"

const SEGMENTS = Array.from({ length: 40 }, (_, i) => 300 + 60 * i)
const { files } = fixturesForFile("crash", {
  steps: (d) => generateToneSequence(d, { frequencies: SEGMENTS, format: "flac" })
})
const guild = GuildId.make("300000000000000009")

describe("GuildPlayer when FFmpeg dies", () => {
  it.live("a killed FFmpeg is replaced at the position: the track goes on, nothing is skipped", () =>
    Effect.gen(function*() {
      const registry = yield* PlayerRegistry
      const recorder = yield* RecordingVoiceOutput
      yield* registry.send(guild, new Cmd.Enqueue({
        tracks: [track("steps", { location: files.steps, durationMs: SEGMENTS.length * 1000 })],
        position: "end",
        requester: user
      }))
      // Killed at its first packet: FFmpeg encodes ahead of real time, so it must die early to die mid-track.
      yield* waitForPackets(recorder.recording(guild), 1, 1)
      const [ffmpeg] = workingFfmpeg()
      assert.isDefined(ffmpeg)
      process.kill(ffmpeg!.pid, "SIGKILL")
      yield* waitForPackets(recorder.recording(guild), 2, 50, "20 seconds")
      const recording = yield* recorder.recording(guild)
      const [first, second] = sessions(recording)
      const state = yield* registry.state(guild)
      assert.strictEqual(state.queue.current?.track.title, "steps", "still the same track")
      // The new run starts where the old one's sound ran out: its first second is the next one.
      const heard = hear(recording, SEGMENTS)
      const lastOfFirst = heard.filter((h) => h.session === first!.session).at(-1)!
      const firstOfSecond = heard.find((h) => h.session === second!.session)!
      assert.include([lastOfFirst.frequency, lastOfFirst.frequency + 60], firstOfSecond.frequency)
    }).pipe(Effect.provide(
      PlayerRegistry.layer().pipe(Layer.provideMerge(Layer.mergeAll(FfmpegPipeline.layer(), RecordingVoiceOutput.layer, handOverLocations)))
    )), 30_000)
})
