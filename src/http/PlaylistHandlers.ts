/** The handlers of the saved-playlist endpoints: the /playlist use-cases (and /history save), as JSON. */
import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import type { PlaylistScope } from "../../schema/Playlist.ts"
import type { Actor } from "../control/Actor.ts"
import { PlayHistory } from "../control/PlayHistory.ts"
import { Playlists } from "../control/Playlists.ts"
import { RepriseApi } from "./Api.ts"
import { makeCallerIn } from "./CallerActor.ts"
import { addedView, pageView, removedView, summaryView } from "./PlaylistView.ts"
import { orProblem } from "./Problems.ts"
import { makeRequesters } from "./Requesters.ts"

/** Where a new playlist goes unless the request says: a member's own; the guild's for a key, which has none. */
const scopeFor = (actor: Actor, asked: PlaylistScope | undefined): PlaylistScope =>
  asked ?? (actor._tag === "Key" ? "guild" : "user")

const utf8 = new TextEncoder()

export const PlaylistHandlers = HttpApiBuilder.group(RepriseApi, "playlists", (handlers) =>
  Effect.gen(function*() {
    const playlists = yield* Playlists
    const history = yield* PlayHistory
    const actorIn = yield* makeCallerIn
    const requesters = yield* makeRequesters

    return handlers
      .handle("list", ({ params }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => orProblem(playlists.list(actor))),
          Effect.map((listing) => ({
            own: (listing.own ?? []).map(summaryView),
            guild: (listing.guild ?? []).map(summaryView)
          }))
        ))
      .handle("save", ({ params, payload }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => {
            const scope = scopeFor(actor, payload.scope)
            return orProblem(
              payload.from === "history"
                ? history.save(actor, payload.name, scope)
                : playlists.save(actor, payload.name, scope)
            )
          }),
          Effect.map(summaryView)
        ))
      .handle("import", ({ params, query, payload }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => {
            // The body was decoded already (and bounded by the body limit); the use-case reads the
            // file again as the slash import does, so both check the same things in the same words.
            const text = JSON.stringify(payload)
            const size = utf8.encode(text).length
            return orProblem(playlists.importFile(actor, {
              size,
              read: (maxBytes) => Effect.succeed(size <= maxBytes ? Option.some(text) : Option.none()),
              name: query.name,
              scope: scopeFor(actor, query.scope)
            }))
          }),
          Effect.map(summaryView)
        ))
      .handle("show", ({ params, query }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => orProblem(playlists.show(actor, { _tag: "Named", name: params.name }, query.page ?? 1))),
          Effect.map(pageView)
        ))
      .handle("rename", ({ params, payload }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => orProblem(playlists.rename(actor, params.name, payload.name))),
          Effect.map((renamed) => summaryView(renamed.after))
        ))
      .handle("delete", ({ params }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => orProblem(playlists.delete(actor, params.name))),
          Effect.map(summaryView)
        ))
      .handle("load", ({ params, payload }) =>
        actorIn(params.guildId, payload.voiceChannelId ?? null).pipe(
          Effect.flatMap((actor) => orProblem(playlists.load(actor, params.name, { shuffle: payload.shuffle === true }))),
          Effect.flatMap(requesters.queued(params.guildId))
        ))
      .handle("export", ({ params }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => orProblem(playlists.exportFile(actor, params.name))),
          Effect.map((exported) => exported.document)
        ))
      .handle("addTrack", ({ params, payload }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => orProblem(playlists.add(actor, params.name, payload.query))),
          Effect.map(addedView)
        ))
      .handle("removeTrack", ({ params }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => orProblem(playlists.remove(actor, params.name, params.position))),
          Effect.map(removedView)
        ))
  }))
