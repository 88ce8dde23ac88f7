import { apikey } from "./apikeys.ts"
import type { ComponentHandler, SlashCommand } from "./Command.ts"
import { makeHelp } from "./help.ts"
import { audit, auditPage, history, historyPage, historyPick } from "./history.ts"
import { lyrics, lyricsPage } from "./lyrics.ts"
import { leave, pause, previous, resume, seek, skip, skipto, stop } from "./control.ts"
import { play, playfile, search, searchPick } from "./playback.ts"
import { playlist, playlistPage } from "./playlists.ts"
import { rate, rateButtons, stats } from "./ratings.ts"
import { clear, loop, move, nowplaying, nowPlayingButtons, queue, queuePage, remove, shuffle } from "./queue.ts"
import { settings } from "./settings.ts"
import { effects, eq, volume } from "./sound.ts"

/** The commands as /help groups them, in the order Discord lists them. */
const groups = (help: SlashCommand) => [
  { name: "Play", commands: [play, playfile, search] },
  { name: "Playback", commands: [skip, skipto, previous, seek, pause, resume, stop, leave] },
  { name: "Queue", commands: [queue, nowplaying, remove, move, shuffle, loop, clear] },
  { name: "Sound", commands: [volume, effects, eq] },
  { name: "Library", commands: [playlist, history, lyrics, rate, stats] },
  { name: "Server", commands: [settings, audit, apikey, help] }
]

const help: SlashCommand = makeHelp((self) => groups(self).map((g) => ({ name: g.name, commands: g.commands.map((c) => c.data) })))

/** Every slash command; their names and options are part of the bot's interface. */
export const slashCommands: ReadonlyArray<SlashCommand> = groups(help).flatMap((g) => g.commands)

export const componentHandlers: ReadonlyArray<ComponentHandler> = [
  nowPlayingButtons,
  rateButtons,
  queuePage,
  searchPick,
  playlistPage,
  historyPick,
  historyPage,
  auditPage,
  lyricsPage
]
