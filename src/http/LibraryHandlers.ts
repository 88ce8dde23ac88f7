/** The handlers of the library endpoints: the history, playlists and audit log use-cases, as JSON. */
import { Effect, Schema } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import type { PlaylistScope } from "../../schema/Playlist.ts"
import { AuditAction } from "../control/AuditEvents.ts"
import { AuditTrail } from "../control/AuditTrail.ts"
import { PlayHistory } from "../control/PlayHistory.ts"
import { Playlists } from "../control/Playlists.ts"
import type { PlaylistSummary } from "../persistence/PlaylistRepo.ts"
import { RepriseApi } from "./Api.ts"
import { makeCallerIn } from "./CallerActor.ts"
import { BadRequest, orProblem } from "./Problems.ts"

const isAction = Schema.is(AuditAction)

const summary = (scope: PlaylistScope) => (playlist: PlaylistSummary) => ({
  name: playlist.name,
  scope,
  trackCount: playlist.trackCount,
  durationMs: playlist.durationMs
})

export const LibraryHandlers = HttpApiBuilder.group(RepriseApi, "library", (handlers) =>
  Effect.gen(function*() {
    const history = yield* PlayHistory
    const playlists = yield* Playlists
    const audit = yield* AuditTrail
    const actorIn = yield* makeCallerIn

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
      .handle("playlists", ({ params }) =>
        actorIn(params.guildId).pipe(
          // A key is nobody's: only the guild's shared playlists are its to see.
          Effect.flatMap((actor) => orProblem(playlists.list(actor, actor._tag === "Key" ? "guild" : undefined))),
          Effect.map((listing) => ({
            own: (listing.own ?? []).map(summary("user")),
            guild: (listing.guild ?? []).map(summary("guild"))
          }))
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
  }))
