import { apikey } from "./apikeys.ts"
import type { ComponentHandler, SlashCommand } from "./Command.ts"
import { audit, auditPage, history, historyPage, historyPick } from "./history.ts"
import { leave, pause, previous, resume, seek, skip, skipto, stop } from "./control.ts"
import { play, playfile, search, searchPick } from "./playback.ts"
import { playlist, playlistPage } from "./playlists.ts"
import { rate, rateButtons, stats } from "./ratings.ts"
import { clear, loop, move, nowplaying, nowPlayingButtons, queue, queuePage, remove, shuffle } from "./queue.ts"
import { settings } from "./settings.ts"
import { effects, eq, volume } from "./sound.ts"

/** Every slash command; their names and options are part of the bot's interface. */
export const slashCommands: ReadonlyArray<SlashCommand> = [
  play,
  playfile,
  search,
  skip,
  skipto,
  previous,
  seek,
  pause,
  resume,
  stop,
  leave,
  queue,
  nowplaying,
  remove,
  move,
  shuffle,
  loop,
  clear,
  volume,
  effects,
  eq,
  settings,
  playlist,
  history,
  audit,
  rate,
  stats,
  apikey
]

export const componentHandlers: ReadonlyArray<ComponentHandler> = [
  nowPlayingButtons,
  rateButtons,
  queuePage,
  searchPick,
  playlistPage,
  historyPick,
  historyPage,
  auditPage
]
