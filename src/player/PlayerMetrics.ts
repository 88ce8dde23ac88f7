import { Metric } from "effect"
import type { GuildId } from "../../schema/Ids.ts"
import type { PlayerCommand } from "../../schema/PlayerCommand.ts"

const commands = Metric.counter("player_commands_total", {
  description: "Commands taken by guild players, by kind (TrackEnded/TrackFailed are playback reports)"
})

/** The registry's `onCommand` hook: one count per command a player takes from its mailbox. */
export const countCommand = (_guildId: GuildId, command: PlayerCommand) =>
  Metric.update(Metric.withAttributes(commands, { command: command._tag }), 1)
