/** Moving through playback: /pause, /resume, /skip, /skipto, /previous, /seek, /stop, /leave. */
import { Schema } from "effect"
import { maxTrackMinutes } from "../../../schema/GuildRules.ts"
import { formatMs } from "../../../schema/PlayerError.ts"
import { skipText, trackLine } from "../Render.ts"
import { guildCommand, Position, slash } from "./Command.ts"

export const pause = slash({
  data: guildCommand("pause", "Pause the music").toJSON(),
  run: (control, actor) => control.pause(actor),
  render: (reply) => ({ content: `Paused at ${formatMs(reply.positionMs)}.` })
})

export const resume = slash({
  data: guildCommand("resume", "Resume the music").toJSON(),
  run: (control, actor) => control.resume(actor),
  render: (reply) => ({ content: `Resumed from ${formatMs(reply.positionMs)}.` })
})

export const skip = slash({
  data: guildCommand("skip", "Skip the current track (or vote to)")
    .addIntegerOption((o) => o.setName("count").setDescription("How many tracks to skip").setMinValue(1))
    .toJSON(),
  options: Schema.Struct({ count: Schema.optional(Position) }),
  run: (control, actor, options) => control.skip(actor, options.count ?? 1),
  render: (outcome) => ({ content: skipText(outcome) })
})

export const skipto = slash({
  data: guildCommand("skipto", "Jump to a position in the queue")
    .addIntegerOption((o) => o.setName("position").setDescription("Queue position").setMinValue(1).setRequired(true))
    .toJSON(),
  options: Schema.Struct({ position: Position }),
  run: (control, actor, options) => control.skipTo(actor, options.position),
  render: (reply) => ({
    content: reply.now === null ? "The queue is empty now." : `Jumped to ${trackLine(reply.now.track)}`
  })
})

export const previous = slash({
  data: guildCommand("previous", "Play the previous track again").toJSON(),
  run: (control, actor) => control.previous(actor),
  render: (reply) => ({ content: `Back to ${trackLine(reply.now.track)}` })
})

/** No track plays longer than a day (MAX_TRACK_DURATION's most), so no position past it means anything. */
const maxPositionMs = maxTrackMinutes * 60_000

/**
 * "1:23", "1:02:03" or plain seconds ("83", "83.5") to milliseconds; null past a day. Each part's
 * digits are bounded before they are read, so a 400-digit value is a bad option, not Infinity.
 */
export const parsePosition = (text: string): number | null => {
  const trimmed = text.trim()
  if (!/^(\d{1,5}:){0,2}\d{1,5}(\.\d{1,3})?$/.test(trimmed)) return null
  const parts = trimmed.split(":").map(Number)
  if (parts.slice(1).some((p) => p >= 60)) return null
  const seconds = parts.reduce((total, part) => total * 60 + part, 0)
  const ms = Math.round(seconds * 1000)
  return ms <= maxPositionMs ? ms : null
}

const SeekOptions = Schema.Struct({
  position: Schema.String.check(
    Schema.makeFilter((text: string) => parsePosition(text) !== null, {
      message: `use minutes and seconds like 1:23, or a number of seconds, up to ${formatMs(maxPositionMs)}`
    })
  )
})

export const seek = slash({
  data: guildCommand("seek", "Jump to a time in the current track")
    .addStringOption((o) => o.setName("position").setDescription("Like 1:23, or seconds").setRequired(true).setMaxLength(16))
    .toJSON(),
  options: SeekOptions,
  run: (control, actor, options) => control.seek(actor, parsePosition(options.position) ?? 0),
  render: (reply) => ({ content: `Jumped to ${formatMs(reply.positionMs)}.` })
})

export const stop = slash({
  data: guildCommand("stop", "Stop the music, clear the queue and leave").toJSON(),
  run: (control, actor) => control.stop(actor),
  render: () => ({ content: "Stopped, cleared the queue and left the voice channel." })
})

export const leave = slash({
  data: guildCommand("leave", "Leave the voice channel").toJSON(),
  run: (control, actor) => control.leave(actor),
  render: () => ({ content: "Left the voice channel." })
})
