/** A guild's player as the API shows it: pure functions of the player's state. */
import type { GuildSummary, PlayerView, Queued, QueuedTrack } from "../../schema/ApiV1.ts"
import type { ChannelId, UserId } from "../../schema/Ids.ts"
import { type PlayerState, positionNow } from "../../schema/PlayerState.ts"
import { chapterAt } from "../../schema/Segments.ts"
import type { Track } from "../../schema/Track.ts"
import { presetOf } from "../audio/EffectCatalog.ts"
import type { PlayProgress } from "../control/Play.ts"

export const defaultPageSize = 25

/** What the guild calls its members, as far as the bot knows. */
export type Names = ReadonlyMap<UserId, string>

/** A track as every answer of the API shows it. */
export const trackFields = (track: Track, names: Names) => ({
  title: track.title,
  url: track.location,
  source: track.kind,
  durationMs: track.durationMs,
  live: track.live === true,
  requester: track.requester,
  requesterName: names.get(track.requester) ?? null
})

export interface ViewOptions {
  readonly voiceChannelId: ChannelId | null
  readonly nowMs: number
  /** 1-based; a page past the end is empty. */
  readonly page: number
  readonly size: number
  readonly names: Names
}

/** Whose names a view needs: the requesters of the current track and of one page of the queue. */
export const requestersOf = (state: PlayerState, page: number, size: number): Set<UserId> => {
  const from = (page - 1) * size
  const entries = [...(state.queue.current === null ? [] : [state.queue.current]), ...state.queue.upcoming.slice(from, from + size)]
  return new Set(entries.map((entry) => entry.track.requester))
}

export const playerView = (state: PlayerState, options: ViewOptions): PlayerView => {
  const current = state.queue.current
  const positionMs = Math.round(positionNow(state, options.nowMs))
  const from = (options.page - 1) * options.size
  const queue: Array<QueuedTrack> = state.queue.upcoming.slice(from, from + options.size).map((entry, i) => ({
    position: from + i + 1,
    ...trackFields(entry.track, options.names)
  }))
  return {
    voiceChannelId: options.voiceChannelId,
    current: current === null ? null : {
      ...trackFields(current.track, options.names),
      positionMs,
      artworkUrl: current.track.artworkUrl,
      chapter: chapterAt(current.track.chapters, positionMs)
    },
    paused: state.paused,
    loop: state.queue.loop,
    volume: state.volume,
    effects: state.effects,
    equalizer: { preset: presetOf(state.equalizer), gains: state.equalizer },
    queue,
    queueLength: state.queue.upcoming.length,
    page: options.page,
    size: options.size
  }
}

export const queuedView = (progress: PlayProgress, names: Names): Queued => ({
  tracks: progress.queued.map(({ position, track }) => ({ position, ...trackFields(track, names) })),
  skipped: progress.skipped
})

/** A guild as the list of guilds shows it. */
export const guildSummary = (
  guild: { readonly id: string; readonly name: string; readonly icon: string | null },
  active: boolean
): GuildSummary => ({ id: guild.id, name: guild.name, icon: guild.icon, active })
