import { assert, describe, it } from "vitest"
import { generateTone } from "../support/audioFixtures.ts"
import { fixturesForFile } from "../support/fixturesForFile.ts"
import type { NodeProcess } from "../support/nodeProcess.ts"
import { aesGcm, type EncryptionMode, xchacha } from "./Crypto.ts"
import { FakeDiscord, type FakeDiscordOptions, isLeave, type VoiceStream } from "./FakeDiscord.ts"
import { analyse } from "./ReceivedAudio.ts"
import { defaultScenario } from "./Scenario.ts"
import { startProbeBot } from "./support/BotProcess.ts"

const { scenario, ids } = defaultScenario()

/** Runs `body` against a fresh fake and probe bot; on failure the bot's output is part of the error. */
const withBot = async (
  options: FakeDiscordOptions & { readonly xchachaFix?: boolean },
  body: (fake: FakeDiscord, bot: NodeProcess) => Promise<void>
): Promise<void> => {
  const fake = new FakeDiscord({ scenario, ...options })
  const bot = startProbeBot((await fake.start()).env, { xchachaFix: options.xchachaFix ?? false })
  try {
    await fake.waitForCommands(["play", "ping"])
    await body(fake, bot)
  } catch (error) {
    throw new Error(`${String(error)}\n--- probe bot output ---\n${bot.output()}`, { cause: error })
  } finally {
    await bot.stop()
    await fake.stop()
  }
}

/** Plays `file` with /play as alice and waits until the bot has left voice again. */
const playToEnd = async (fake: FakeDiscord, file: string, duringPlayback = async () => {}) => {
  const play = fake.sendSlashCommand(ids.guild, ids.alice, "play", { query: file })
  const ack = await fake.waitForInteractionResponse(play.id)
  const nowPlaying = await fake.waitForEditReply(play.token)
  await duringPlayback()
  const finished = await fake.waitForFollowUp(play.token)
  await fake.waitForGatewayOp(4, (op) => isLeave(op.d))
  return { ack, nowPlaying, finished }
}

/** The stream carried the 440 Hz tone for about `frames` frames, every packet encrypted with `mode`. */
const assertTone = (stream: VoiceStream | undefined, mode: EncryptionMode, frames: number) => {
  assert.isDefined(stream)
  const audio = analyse(stream)
  assert.strictEqual(stream.mode, mode)
  assert.strictEqual(audio.decryptFailures, 0)
  assert.approximately(audio.frames.length, frames, 5)
  assert.approximately(audio.frequency(), 440, 5)
  return audio
}

describe("FakeDiscord with an unmodified discord.js and @discordjs/voice bot", () => {
  const { files } = fixturesForFile("fake-discord-tones", {
    twoSeconds: (dir) => generateTone(dir, { frequency: 440, seconds: 2, format: "ogg" }),
    threeSeconds: (dir) => generateTone(dir, { frequency: 440, seconds: 3, format: "ogg" })
  })

  it("AES-GCM: /play is acked, plays a 440 Hz tone at 20 ms pacing, leaves; a dropped gateway resumes", async () => {
    // Short heartbeats so both gateways' heartbeat paths run in a short test.
    await withBot({ heartbeatIntervalMs: 500, voiceHeartbeatIntervalMs: 500 }, async (fake, bot) => {
      assert.sameMembers(fake.commands().map((c) => c["name"]), ["play", "ping"])

      const { ack, nowPlaying, finished } = await playToEnd(fake, files.twoSeconds)
      assert.strictEqual(ack.type, 5)
      assert.isBelow(ack.latencyMs, 1500, "deferred well within Discord's 3 s")
      assert.strictEqual(nowPlaying.message.content, `Now playing: ${files.twoSeconds}`)
      assert.strictEqual(finished.message.content, "Finished playing")

      const identify = await fake.waitForVoiceOp(0)
      assert.deepInclude(identify.d, { max_dave_protocol_version: 1 }, "DAVE left at the library default")
      const [stream, ...others] = fake.voiceStreams(ids.guild)
      assert.lengthOf(others, 0)
      const audio = assertTone(stream, aesGcm, 100)
      assert.isAtLeast(audio.pacing.meanMs, 18)
      assert.isAtMost(audio.pacing.meanMs, 22)
      assert.isBelow(audio.pacing.maxGapMs, 60)
      assert.deepStrictEqual(audio.continuity, { sequenceBreaks: 0, timestampBreaks: 0 })
      assert.isAbove(fake.gatewayOps.filter((op) => op.op === 1).length, 0, "gateway heartbeats")
      assert.isAbove(fake.voiceOps.filter((op) => op.op === 3).length, 0, "voice heartbeats")

      fake.dropGateway()
      // Sent while the bot is away: it arrives through the resume's replay.
      const ping = fake.sendSlashCommand(ids.guild, ids.bob, "ping")
      await fake.waitForGatewayOp(6)
      const pong = await fake.waitForInteractionResponse(ping.id)
      assert.deepInclude(pong.data, { content: "pong" })
      assert.lengthOf(fake.gatewayOps.filter((op) => op.op === 2), 1, "resumed, not identified again")
      await bot.waitForOutput(/resumed/, 5000)
    })
  })

  it("XChaCha20 (libsodium work-around): a voice socket closed mid-song is resumed and the song goes on", async () => {
    await withBot({ voiceModes: [xchacha, aesGcm], xchachaFix: true }, async (fake) => {
      await playToEnd(fake, files.threeSeconds, async () => {
        await fake.waitForRtp(ids.guild, 50)
        fake.closeVoice(ids.guild, 4015)
        const firstResume = await fake.waitForVoiceOp(7)
        await fake.waitForRtp(ids.guild, 100)
        fake.closeVoice(ids.guild, "terminate")
        await fake.waitForVoiceOp(7, (op) => op !== firstResume)
      })
      const [session, ...others] = fake.voiceSessions
      assert.lengthOf(others, 0, "resumed on the same voice session, no rejoin")
      assert.strictEqual(session?.resumes, 2)
      const audio = assertTone(fake.voiceStreams(ids.guild)[0], xchacha, 150)
      // While resuming, @discordjs/voice is not Ready: the player pauses for the reconnect and a frame
      // prepared just before the close may be dropped, so each resume may leave one short gap and one break.
      assert.isBelow(audio.pacing.maxGapMs, 200)
      assert.isAtMost(audio.continuity.sequenceBreaks, 2)
    })
  })

  it("rejoins after a non-resumable voice close, follows a move, and leaves when kicked", async () => {
    await withBot({}, async (fake) => {
      const play = fake.sendSlashCommand(ids.guild, ids.alice, "play", { query: files.threeSeconds })
      const identifies = () => fake.voiceOps.filter((op) => op.op === 0).length
      await fake.waitForRtp(ids.guild, 30)
      fake.closeVoice(ids.guild, 4006)
      await fake.waitForVoiceOp(0, () => identifies() === 2)
      await fake.waitForRtp(ids.guild, 20)
      fake.moveBot(ids.guild, ids.lounge)
      await fake.waitForVoiceOp(0, () => identifies() === 3)
      await fake.waitForRtp(ids.guild, 20)
      fake.kickBot(ids.guild)
      // The probe follows the @discordjs/voice guide: after a 4014 close it waits 5 s for a move, then destroys.
      await fake.waitForGatewayOp(4, (op) => isLeave(op.d), 8000)

      const streams = fake.voiceStreams(ids.guild)
      assert.deepStrictEqual(streams.map((s) => s.channelId), [ids.music, ids.music, ids.lounge])
      assert.deepStrictEqual(
        fake.gatewayOps.filter((op) => op.op === 4).map((op) => isLeave(op.d)),
        [false, false, true],
        "joined, rejoined after 4006 (the move needs no op 4), left after the kick"
      )
      for (const stream of streams) assert.approximately(analyse(stream).frequency(), 440, 5)
      assert.isNull(fake.voiceChannelOf(ids.guild))
      const reply = await fake.waitForEditReply(play.token)
      assert.strictEqual(reply.message.content, `Now playing: ${files.threeSeconds}`)
    })
  })
})
