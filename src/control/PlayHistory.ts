/**
 * The guild's play history as use-cases: a page of what played (newest first, searchable by
 * title), one of those tracks queued again, and the recent history saved as a playlist.
 */
import { Context, Effect, Layer } from "effect"
import type { PlaylistScope } from "../../schema/Playlist.ts"
import { Track } from "../../schema/Track.ts"
import { HistoryRepo, type Played } from "../persistence/HistoryRepo.ts"
import type { PlaylistSummary } from "../persistence/PlaylistRepo.ts"
import type { Actor } from "./Actor.ts"
import { Control, type ControlError } from "./Control.ts"
import type { PlayProgress, PlayRequest } from "./Play.ts"
import { Playlists } from "./Playlists.ts"
import { NothingFound, type Refusal, refusal, StoreReadUnavailable } from "./Refusal.ts"
import { stored } from "./Stored.ts"

export const historyPageSize = 10
/** How much of the history `/history save` keeps: the most recent distinct tracks. */
export const savedHistorySize = 50

export interface HistoryPage {
  readonly plays: ReadonlyArray<Played>
  readonly page: number
  readonly pages: number
  readonly search: string | null
}

const readable = stored({
  warning: "the play history is unavailable",
  unavailable: new StoreReadUnavailable({ what: "The play history" }),
  // /history answers without deferring: its read and the answer fit in Discord's 3 s.
  timeout: "2 seconds"
})

/** A history row as a track to queue again, asked for by `actor`. */
const trackOf = (play: Played, actor: Actor): Track =>
  new Track({
    id: play.trackId,
    kind: play.kind,
    location: play.location,
    title: play.title,
    author: null,
    durationMs: play.durationMs,
    artworkUrl: null,
    requester: actor.userId
  })

export class PlayHistory extends Context.Service<PlayHistory, {
  readonly page: (actor: Actor, search: string | null, page: number) => Effect.Effect<HistoryPage, Refusal>
  /** Queues a track of the history again, as /play would. */
  readonly replay: <E = never>(
    actor: Actor,
    id: number,
    request: Omit<PlayRequest<E>, "source">
  ) => Effect.Effect<PlayProgress, ControlError | E>
  /** The most recent distinct tracks, oldest first, as a new playlist. */
  readonly save: (actor: Actor, name: string, scope: PlaylistScope) => Effect.Effect<PlaylistSummary, Refusal>
}>()("reprise/control/PlayHistory") {
  static readonly layer = Layer.effect(
    PlayHistory,
    Effect.gen(function*() {
      const repo = yield* HistoryRepo
      const control = yield* Control
      const playlists = yield* Playlists
      return PlayHistory.of({
        page: Effect.fn("PlayHistory.page")(function*(actor, search, page) {
          const wanted = Math.max(1, page)
          const found = yield* readable(repo.page(actor.guildId, {
            search,
            offset: (wanted - 1) * historyPageSize,
            limit: historyPageSize
          }))
          return { plays: found.plays, page: wanted, pages: Math.max(1, Math.ceil(found.total / historyPageSize)), search }
        }),
        replay: Effect.fn("PlayHistory.replay")(function*<E>(actor: Actor, id: number, request: Omit<PlayRequest<E>, "source">) {
          const play = yield* readable(repo.byId(actor.guildId, id))
          if (play === null) return yield* refusal(new NothingFound({ query: null }))
          return yield* control.play(actor, { ...request, source: { _tag: "Tracks", tracks: [trackOf(play, actor)], playlist: null } })
        }),
        save: Effect.fn("PlayHistory.save")(function*(actor, name, scope) {
          const recent = yield* readable(repo.page(actor.guildId, { search: null, offset: 0, limit: savedHistorySize * 4 }))
          const seen = new Set<string>()
          const distinct = recent.plays.filter((play) => !seen.has(play.trackId) && seen.add(play.trackId) !== undefined)
          const tracks = distinct.slice(0, savedHistorySize).reverse().map((play) => trackOf(play, actor))
          return yield* playlists.save(actor, name, scope, tracks)
        })
      })
    })
  )
}
