/** The handlers of the library endpoints: the history, audit log, ratings, stats and lyrics use-cases, as JSON. */
import { Effect, Option, Schema } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import type { StatsView } from "../../schema/ApiV1.ts"
import { AuditAction } from "../control/AuditEvents.ts"
import { AuditTrail } from "../control/AuditTrail.ts"
import { PlayHistory } from "../control/PlayHistory.ts"
import { type GuildStats, Ratings, type TrackRef } from "../control/Ratings.ts"
import { Control } from "../control/Control.ts"
import { Lyrics, type Song } from "../lyrics/Lyrics.ts"
import { RepriseApi } from "./Api.ts"
import { makeCallerIn } from "./CallerActor.ts"
import { BadRequest, Conflict, NotFound, orProblem, Unavailable } from "./Problems.ts"
import { makeRequesters } from "./Requesters.ts"

const isAction = Schema.is(AuditAction)

const refView = (ref: TrackRef) => ({ trackId: ref.trackId, title: ref.title, url: ref.location })

const statsView = (stats: GuildStats): StatsView => ({
  period: stats.period,
  mostPlayed: stats.mostPlayed.map((t) => ({ ...refView(t), count: t.count })),
  bestRated: stats.bestRated.map((t) => ({ ...refView(t), score: t.score, ratings: t.ratings })),
  topRequesters: stats.topRequesters.map((r) => ({ userId: r.userId, plays: r.plays })),
  mostSkipped: stats.mostSkipped.map((t) => ({ ...refView(t), count: t.count }))
})

/** Words to show, or none: LRCLIB may know a song yet hold no words for it. */
const shownSong = (found: Option.Option<Song>, what: string) =>
  Option.isSome(found) && (found.value.instrumental || found.value.plain !== null)
    ? Effect.succeed(found.value)
    : Effect.fail(new NotFound({ detail: `No lyrics were found for ${what}.` }))

export const LibraryHandlers = HttpApiBuilder.group(RepriseApi, "library", (handlers) =>
  Effect.gen(function*() {
    const history = yield* PlayHistory
    const audit = yield* AuditTrail
    const ratings = yield* Ratings
    const control = yield* Control
    const lyrics = yield* Lyrics
    const actorIn = yield* makeCallerIn
    const requesters = yield* makeRequesters

    return handlers
      .handle("history", ({ params, query }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => orProblem(history.page(actor, query.search ?? null, query.page ?? 1))),
          Effect.map((page) => ({
            plays: page.plays.map((play) => ({
              id: play.id,
              title: play.title,
              url: play.location,
              source: play.kind,
              durationMs: play.durationMs,
              requester: play.requester,
              startedAt: play.startedAt.toISOString(),
              endReason: play.endReason
            })),
            page: page.page,
            pages: page.pages
          }))
        ))
      .handle("replay", ({ params, payload }) =>
        actorIn(params.guildId, payload.voiceChannelId ?? null).pipe(
          Effect.flatMap((actor) => orProblem(history.replay(actor, params.playId, { next: payload.next ?? false }))),
          Effect.flatMap(requesters.queued(params.guildId))
        ))
      .handle("audit", ({ params, query }) =>
        Effect.gen(function*() {
          const actor = yield* actorIn(params.guildId)
          const action = query.action ?? null
          if (action !== null && !isAction(action)) {
            return yield* new BadRequest({ detail: `query.action: "${action}" is not an action of the audit log.` })
          }
          const page = yield* orProblem(audit.read(actor, { userId: query.userId ?? null, action, page: query.page ?? 1 }))
          return {
            entries: page.entries.map((entry) => ({ ...entry, at: entry.at.toISOString() })),
            page: page.page,
            pages: page.pages
          }
        }))
      .handle("rate", ({ params, payload }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => orProblem(ratings.rate(actor, payload.rating))),
          Effect.flatMap((given) =>
            Effect.map(requesters.track(params.guildId, given.track), (track) => ({ rating: given.rating, track }))
          )
        ))
      .handle("stats", ({ params, query }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => orProblem(ratings.stats(actor, query.period ?? "week"))),
          Effect.map(statsView)
        ))
      .handle("lyrics", ({ params, query }) =>
        Effect.gen(function*() {
          yield* actorIn(params.guildId)
          const current = query.q === undefined ? (yield* control.view(params.guildId)).queue.current : null
          if (query.q === undefined && current === null) {
            return yield* new Conflict({ detail: "Nothing is playing: give q to look a song up." })
          }
          const found = yield* (current === null
            ? lyrics.search(query.q ?? "")
            : lyrics.forTrack({ title: current.track.title, artist: current.track.author, durationMs: current.track.durationMs }))
            .pipe(
              Effect.tapError((error) => Effect.logWarning("lyrics lookup failed", { detail: error.detail })),
              Effect.mapError((error) => new Unavailable({ detail: error.message }))
            )
          return yield* shownSong(found, current === null ? `"${query.q}"` : current.track.title)
        }))
  }))
