/**
 * The handlers of `/api/v1/guilds`: each turns the caller into an `Actor` of the guild in the path,
 * calls the application core and answers with the player as it is afterwards, or with the
 * problem the core's refusal is.
 */
import { Clock, Effect, Option, Schema } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { ServerResponse } from "node:http"
import { HttpApiBuilder } from "effect/http-api"
import type { SettingsView } from "../../schema/ApiV1.ts"
import { djOnlyOf } from "../../schema/GuildRules.ts"
import type { GuildId } from "../../schema/Ids.ts"
import { PlayerEvent } from "../../schema/PlayerEvent.ts"
import type { Actor } from "../control/Actor.ts"
import { Control, type ControlError, type GuildSettingsView } from "../control/Control.ts"
import { GuildDirectory } from "../gateway/GuildDirectory.ts"
import { RepriseApi } from "./Api.ts"
import { EventLog, isPulse, type Pulse, type Sequenced } from "./EventLog.ts"
import { callerGuilds } from "./CallerGuilds.ts"
import { Caller } from "./GuildApi.ts"
import { makeCallerIn } from "./CallerActor.ts"
import { defaultPageSize, playerView, requestersOf } from "./PlayerView.ts"
import { makeRequesters } from "./Requesters.ts"
import { type Image, Images } from "./Images.ts"
import { BadGateway, NotFound, orProblem, Unprocessable } from "./Problems.ts"
import { Uploads } from "./Uploads.ts"

const encodeEvent = Schema.encodeSync(PlayerEvent)
const utf8 = new TextEncoder()
const frame = (id: string, event: string, data: unknown) =>
  utf8.encode(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
const heartbeatFrame = utf8.encode(": heartbeat\n\n")

/** Each event is encoded once, however many clients follow its guild. */
const encoded = new WeakMap<Sequenced, Uint8Array>()
const eventFrame = (e: Sequenced): Uint8Array => {
  const known = encoded.get(e)
  if (known !== undefined) return known
  const bytes = frame(e.id, e.event._tag, encodeEvent(e.event))
  encoded.set(e, bytes)
  return bytes
}
const liveFrame = (e: Sequenced | Pulse): Uint8Array => isPulse(e) ? heartbeatFrame : eventFrame(e)

/** A client this far behind on reading is cut off rather than buffered for without end. */
const maxBehindBytes = 1024 * 1024
/** No cache or proxy may keep or buffer a live stream. */
const streamHeaders = { "cache-control": "no-cache", "x-accel-buffering": "no" }

/** An image as its own type; nothing in it may run or be sniffed as something else. */
const served = (image: Image) =>
  HttpServerResponse.uint8Array(image.body, {
    contentType: image.contentType,
    headers: {
      "cache-control": "private, max-age=3600",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox"
    }
  })

const settingsView = (settings: GuildSettingsView): SettingsView => ({
  djRoleId: settings.djRoleId,
  voteSkipRatio: settings.voteSkipRatio,
  autoplay: settings.autoplay,
  stay: settings.stay,
  repost: settings.repost,
  crossfade: settings.crossfade,
  maxQueueLength: settings.maxQueueLength,
  maxPlaylistSize: settings.maxPlaylistSize,
  maxTrackMinutes: settings.maxTrackMinutes,
  allowDuplicates: settings.allowDuplicates,
  djOnly: djOnlyOf(settings.djActions),
  sponsorBlock: settings.sponsorBlock
})

export const GuildHandlers = HttpApiBuilder.group(RepriseApi, "guilds", (handlers) =>
  Effect.gen(function*() {
    const control = yield* Control
    const directory = yield* GuildDirectory
    const log = yield* EventLog
    const actorIn = yield* makeCallerIn
    const requesters = yield* makeRequesters
    const images = yield* Images
    const uploads = yield* Uploads

    const imageAt = (url: string | null, none: string): Effect.Effect<HttpServerResponse.HttpServerResponse, NotFound | BadGateway> =>
      url === null
        ? Effect.fail(new NotFound({ detail: none }))
        : images.get(url).pipe(Effect.mapError((e) => new BadGateway({ detail: e.message })), Effect.map(served))

    const view = (guildId: GuildId, page = 1, size = defaultPageSize) =>
      Effect.gen(function*() {
        const state = yield* control.view(guildId)
        const voiceChannelId = yield* control.voiceChannel(guildId)
        const names = yield* directory.names(guildId, requestersOf(state, page, size))
        return playerView(state, { voiceChannelId, nowMs: yield* Clock.currentTimeMillis, page, size, names })
      })

    /** Runs a use-case as the caller, then answers with the player. */
    const acting = <A>(guildId: GuildId, use: (actor: Actor) => Effect.Effect<A, ControlError>) =>
      actorIn(guildId).pipe(
        Effect.flatMap((actor) => orProblem(use(actor))),
        Effect.andThen(view(guildId))
      )

    /**
     * The event stream, written straight to the client's socket by the log as each event is
     * recorded: the same bytes for every client, in one loop, with no stream or fiber per client
     * in between. Events that come while the first frame is being made wait behind it; a client
     * that stops reading is let go once it is a megabyte behind (it can come back with
     * Last-Event-ID). The handler lasts as long as the connection, and ends it when interrupted.
     */
    const events = (guildId: GuildId, lastEventId: string | undefined) =>
      Effect.gen(function*() {
        const res = NodeHttpServerRequest.toServerResponse(yield* HttpServerRequest.HttpServerRequest)
        // The server is node:http's (HttpServer.ts), never HTTP/2.
        if (!(res instanceof ServerResponse)) return yield* Effect.die(new Error("the event stream needs an HTTP/1.1 response"))
        const send = (bytes: Uint8Array) => {
          if (res.destroyed || res.writableEnded) return
          if (res.writableLength > maxBehindBytes) res.destroy()
          else res.write(bytes)
        }
        let waiting: Array<Uint8Array> | null = []
        const attached = yield* log.attach(guildId, lastEventId, (e) => {
          const bytes = liveFrame(e)
          if (waiting === null) send(bytes)
          else waiting.push(bytes)
        })
        return yield* Effect.gen(function*() {
          const first = attached.missed === null
            ? [frame(attached.now, "state", yield* view(guildId))]
            : attached.missed.map(eventFrame)
          res.writeHead(200, { "content-type": "text/event-stream", ...streamHeaders })
          for (const bytes of [...first, ...(waiting ?? [])]) send(bytes)
          waiting = null
          yield* Effect.callback<void>((resume) => {
            if (res.destroyed) return resume(Effect.void)
            res.once("close", () => resume(Effect.void))
            return Effect.sync(() => res.end())
          })
          // Already sent and ended: what the server does with this is count it.
          return HttpServerResponse.empty({ status: 200 })
        }).pipe(Effect.ensuring(Effect.sync(attached.detach)))
      })

    return handlers
      .handle("list", () => Effect.flatMap(Caller, callerGuilds(control, directory)))
      .handle("player", ({ params, query }) =>
        actorIn(params.guildId).pipe(Effect.andThen(view(params.guildId, query.page, query.size))))
      .handle("icon", ({ params }) =>
        actorIn(params.guildId).pipe(
          Effect.andThen(directory.guild(params.guildId)),
          Effect.flatMap((guild) =>
            imageAt(Option.getOrNull(Option.flatMapNullishOr(guild, (g) => g.icon)), "The guild has no icon.")
          )
        ))
      .handle("artwork", ({ params }) =>
        actorIn(params.guildId).pipe(
          Effect.andThen(control.view(params.guildId)),
          Effect.flatMap((state) =>
            imageAt(state.queue.current?.track.artworkUrl ?? null, "Nothing is playing, or what plays has no artwork.")
          )
        ))
      .handle("enqueue", ({ params, payload }) =>
        actorIn(params.guildId, payload.voiceChannelId ?? null).pipe(
          Effect.flatMap((actor) =>
            orProblem(control.play(actor, { source: { _tag: "Query", query: payload.query }, next: payload.next ?? false }))
          ),
          Effect.flatMap(requesters.queued(params.guildId))
        ))
      .handle("upload", ({ params, payload }) =>
        Effect.gen(function*() {
          const actor = yield* actorIn(params.guildId, payload.voiceChannelId ?? null)
          const { file } = payload
          const kept = yield* uploads.keep({ path: file.path, name: file.name, contentType: file.contentType }).pipe(
            Effect.mapError((refused) => new Unprocessable({ detail: refused.message }))
          )
          const queued = yield* orProblem(
            control.play(actor, { source: { _tag: "Stored", file: kept }, next: payload.next === "true" })
          ).pipe(Effect.tapError(() => uploads.discard(kept)))
          return yield* requesters.queued(params.guildId)(queued)
        }))
      .handle("suggest", ({ params, query }) =>
        actorIn(params.guildId).pipe(
          Effect.andThen(control.suggest(query.q)),
          Effect.map((found) => found.map((s) => ({ label: s.name, query: s.value })))
        ))
      .handle("remove", ({ params, query }) =>
        acting(params.guildId, (actor) => control.remove(actor, params.position, query.to)))
      .handle("move", ({ params, payload }) =>
        acting(params.guildId, (actor) => control.move(actor, payload.from, payload.to)))
      .handle("shuffle", ({ params }) => acting(params.guildId, control.shuffle))
      .handle("clear", ({ params }) => acting(params.guildId, control.clear))
      .handle("pause", ({ params }) => acting(params.guildId, control.pause))
      .handle("resume", ({ params }) => acting(params.guildId, control.resume))
      .handle("skip", ({ params }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => orProblem(control.skip(actor, 1))),
          Effect.flatMap((outcome) =>
            Effect.map(view(params.guildId), (player) => ({
              ...player,
              vote: outcome._tag === "Voted"
                ? { votes: outcome.votes, needed: outcome.needed, repeated: outcome.repeated }
                : null
            }))
          )
        ))
      .handle("jump", ({ params }) => acting(params.guildId, (actor) => control.skipTo(actor, params.position)))
      .handle("previous", ({ params }) => acting(params.guildId, control.previous))
      .handle("stop", ({ params }) => acting(params.guildId, control.stop))
      .handle("leave", ({ params }) => acting(params.guildId, control.leave))
      .handle("seek", ({ params, payload }) => acting(params.guildId, (actor) => control.seek(actor, payload.positionMs)))
      .handle("volume", ({ params, payload }) => acting(params.guildId, (actor) => control.setVolume(actor, payload.level)))
      .handle("effects", ({ params, payload }) =>
        acting(params.guildId, (actor) => control.setEffects(actor, payload.effects)))
      .handle("equalizer", ({ params, payload }) =>
        acting(params.guildId, (actor) => control.setEqualizer(actor, payload.preset)))
      .handle("loop", ({ params, payload }) => acting(params.guildId, (actor) => control.setLoop(actor, payload.mode)))
      .handle("settings", ({ params }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) => orProblem(control.settings(actor, {}))),
          Effect.map((outcome) => settingsView(outcome.before))
        ))
      .handle("roles", ({ params }) => Effect.andThen(actorIn(params.guildId), directory.roles(params.guildId)))
      .handle("updateSettings", ({ params, payload }) =>
        actorIn(params.guildId).pipe(
          Effect.flatMap((actor) =>
            orProblem(control.settings(actor, {
              djRole: payload.djRoleId,
              voteSkipRatio: payload.voteSkipRatio,
              autoplay: payload.autoplay,
              stay: payload.stay,
              repost: payload.repost,
              crossfade: payload.crossfade,
              maxQueueLength: payload.maxQueueLength,
              maxPlaylistSize: payload.maxPlaylistSize,
              maxTrackMinutes: payload.maxTrackMinutes,
              allowDuplicates: payload.allowDuplicates,
              djOnly: payload.djOnly,
              sponsorBlock: payload.sponsorBlock
            }))
          ),
          Effect.map((outcome) => settingsView(outcome.after))
        ))
      .handle("events", ({ params, headers }) =>
        Effect.andThen(actorIn(params.guildId), events(params.guildId, headers["last-event-id"])))
  }))
