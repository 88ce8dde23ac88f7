/** The handlers of the library endpoints: the history, audit log, ratings and stats use-cases, as JSON. */
import { Effect, Schema } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import type { StatsView } from "../../schema/ApiV1.ts"
import { AuditAction } from "../control/AuditEvents.ts"
import { AuditTrail } from "../control/AuditTrail.ts"
import { PlayHistory } from "../control/PlayHistory.ts"
import { type GuildStats, Ratings, type TrackRef } from "../control/Ratings.ts"
import { RepriseApi } from "./Api.ts"
import { makeCallerIn } from "./CallerActor.ts"
import { BadRequest, orProblem } from "./Problems.ts"
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

export const LibraryHandlers = HttpApiBuilder.group(RepriseApi, "library", (handlers) =>
  Effect.gen(function*() {
    const history = yield* PlayHistory
    const audit = yield* AuditTrail
    const ratings = yield* Ratings
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
  }))
