/** Moving through playback: /pause, /resume, /skip, /skipto, /previous, /seek, /stop, /leave. */
import type { ChatInputCommandInteraction } from "discord.js"
import { Effect, Schema } from "effect"
import { formatMs, NothingPlaying } from "../../../schema/PlayerError.ts"
import { Pause, Previous, Resume, Seek, Skip, SkipTo, Stop } from "../../../schema/PlayerCommand.ts"
import { PlayerRegistry } from "../../player/PlayerRegistry.ts"
import { authorize, type CachedInteraction, decodeOptions, ids, Refusal, respond } from "../Interaction.ts"
import { votesNeeded } from "../Permissions.ts"
import { trackLine } from "../Render.ts"
import { VoteSkips } from "../VoteSkips.ts"
import { guildCommand, Position, type SlashCommand } from "./Command.ts"



export const pause: SlashCommand = {
  data: guildCommand("pause", "Pause the music").toJSON(),
  run: Effect.fn("Commands.pause")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    yield* authorize("control", interaction)
    const { guildId, userId } = ids(interaction)
    const reply = yield* (yield* PlayerRegistry).send(guildId, new Pause({ requester: userId }))
    yield* respond(interaction, { content: `Paused at ${formatMs(reply.positionMs)}.` })
  })
}

export const resume: SlashCommand = {
  data: guildCommand("resume", "Resume the music").toJSON(),
  run: Effect.fn("Commands.resume")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    yield* authorize("control", interaction)
    const { guildId, userId } = ids(interaction)
    const reply = yield* (yield* PlayerRegistry).send(guildId, new Resume({ requester: userId }))
    yield* respond(interaction, { content: `Resumed from ${formatMs(reply.positionMs)}.` })
  })
}

/**
 * Skips now when the caller may (a DJ, or the current track's requester); otherwise counts
 * their vote and skips once enough listeners agree.
 */
export const skipOrVote = Effect.fn("Commands.skipOrVote")(function*(interaction: CachedInteraction, count: number) {
  const s = yield* authorize("skip", interaction)
  const { guildId, userId } = ids(interaction)
  const registry = yield* PlayerRegistry
  const votes = yield* VoteSkips
  const current = s.state.queue.current
  if (current === null) return yield* new NothingPlaying()
  if (s.vote) {
    const needed = votesNeeded(s.room.listeners, s.settings.voteSkipRatio)
    const have = yield* votes.vote(guildId, current.entryId, userId)
    if (have < needed) {
      return `Vote to skip ${trackLine(current.track)}: ${have} of ${needed} votes.`
    }
  }
  yield* votes.reset(guildId)
  const reply = yield* registry.send(guildId, new Skip({ count: s.vote ? 1 : count, requester: userId }))
  const what = reply.skipped.length === 1 ? trackLine(current.track) : `${reply.skipped.length} tracks`
  const passed = s.vote ? "Vote passed: skipped" : "Skipped"
  return reply.now === null
    ? `${passed} ${what}. The queue is empty now.`
    : `${passed} ${what}. Now playing: ${trackLine(reply.now.track)}`
})

const SkipOptions = Schema.Struct({ count: Schema.optional(Position) })

export const skip: SlashCommand = {
  data: guildCommand("skip", "Skip the current track (or vote to)")
    .addIntegerOption((o) => o.setName("count").setDescription("How many tracks to skip").setMinValue(1))
    .toJSON(),
  run: Effect.fn("Commands.skip")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(SkipOptions, interaction)
    yield* respond(interaction, { content: yield* skipOrVote(interaction, options.count ?? 1) })
  })
}

const SkipToOptions = Schema.Struct({ position: Position })

export const skipto: SlashCommand = {
  data: guildCommand("skipto", "Jump to a position in the queue")
    .addIntegerOption((o) => o.setName("position").setDescription("Queue position").setMinValue(1).setRequired(true))
    .toJSON(),
  run: Effect.fn("Commands.skipto")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(SkipToOptions, interaction)
    const s = yield* authorize("skip", interaction)
    if (s.vote) {
      return yield* new Refusal({ message: "Only DJs (or whoever queued the current track) can jump ahead." })
    }
    const { guildId, userId } = ids(interaction)
    const command = new SkipTo({ position: options.position, requester: userId })
    const reply = yield* (yield* PlayerRegistry).send(guildId, command)
    yield* respond(interaction, {
      content: reply.now === null ? "The queue is empty now." : `Jumped to ${trackLine(reply.now.track)}`
    })
  })
}

export const previous: SlashCommand = {
  data: guildCommand("previous", "Play the previous track again").toJSON(),
  run: Effect.fn("Commands.previous")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    yield* authorize("control", interaction)
    const { guildId, userId } = ids(interaction)
    const reply = yield* (yield* PlayerRegistry).send(guildId, new Previous({ requester: userId }))
    yield* respond(interaction, { content: `Back to ${trackLine(reply.now.track)}` })
  })
}

/** "1:23", "1:02:03" or plain seconds ("83", "83.5") to milliseconds. */
export const parsePosition = (text: string): number | null => {
  const trimmed = text.trim()
  if (!/^(\d+:){0,2}\d+(\.\d+)?$/.test(trimmed)) return null
  const parts = trimmed.split(":").map(Number)
  if (parts.slice(1).some((p) => p >= 60)) return null
  const seconds = parts.reduce((total, part) => total * 60 + part, 0)
  return Math.round(seconds * 1000)
}

const SeekOptions = Schema.Struct({
  position: Schema.String.check(
    Schema.makeFilter((text: string) => parsePosition(text) !== null, {
      message: "use minutes and seconds like 1:23, or a number of seconds"
    })
  )
})

export const seek: SlashCommand = {
  data: guildCommand("seek", "Jump to a time in the current track")
    .addStringOption((o) => o.setName("position").setDescription("Like 1:23, or seconds").setRequired(true))
    .toJSON(),
  run: Effect.fn("Commands.seek")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(SeekOptions, interaction)
    yield* authorize("control", interaction)
    const { guildId, userId } = ids(interaction)
    const positionMs = parsePosition(options.position) ?? 0
    const reply = yield* (yield* PlayerRegistry).send(guildId, new Seek({ positionMs, requester: userId }))
    yield* respond(interaction, { content: `Jumped to ${formatMs(reply.positionMs)}.` })
  })
}

/** Clears the queue and leaves voice (DJ). */
export const stopAndLeave = Effect.fn("Commands.stopAndLeave")(function*(interaction: CachedInteraction) {
  yield* authorize("dj", interaction)
  const { guildId, userId } = ids(interaction)
  const registry = yield* PlayerRegistry
  yield* registry.send(guildId, new Stop({ requester: userId }))
  // Tearing the player down leaves voice now rather than after the idle window.
  yield* registry.release(guildId)
  yield* (yield* VoteSkips).reset(guildId)
  return "Stopped, cleared the queue and left the voice channel."
})

export const stop: SlashCommand = {
  data: guildCommand("stop", "Stop the music, clear the queue and leave").toJSON(),
  run: Effect.fn("Commands.stop")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    yield* respond(interaction, { content: yield* stopAndLeave(interaction) })
  })
}

export const leave: SlashCommand = {
  data: guildCommand("leave", "Leave the voice channel").toJSON(),
  run: Effect.fn("Commands.leave")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    yield* authorize("dj", interaction)
    const { guildId } = ids(interaction)
    yield* (yield* PlayerRegistry).release(guildId)
    yield* respond(interaction, { content: "Left the voice channel." })
  })
}
