/**
 * Saved playlists as use-cases: save the queue, load, edit, share, export and import. Each takes
 * the `Actor` who asks and answers with a typed result or a `Refusal`. A name means the caller's
 * own playlist first, then the guild's; nobody reaches another member's own playlists, and an API
 * key, being nobody's, reaches only the guild's (never its creator's). The guild's playlists are
 * anyone's to show and load, and its DJs' and managers' to change (the `playlists` rule). A
 * database that does not answer is a refusal of these alone: playback, which never waits on it
 * here, goes on.
 */
import { Context, type Duration, Effect, Layer, Option, Random, Result, type Schema } from "effect"
import type { SqlError } from "effect/sql"
import type { PlaylistScope } from "../../schema/Playlist.ts"
import { Track } from "../../schema/Track.ts"
import * as Section from "../config/Section.ts"
import { GuildSettingsRepo } from "../persistence/GuildSettingsRepo.ts"
import { type PlaylistOwner, PlaylistRepo, type PlaylistSummary } from "../persistence/PlaylistRepo.ts"
import { shuffled } from "../player/Shuffle.ts"
import type { TrackInfo } from "../resolve/Resolution.ts"
import { Resolver } from "../resolve/Resolver.ts"
import { section as resolveSection } from "../resolve/ResolveSettings.ts"
import type { Actor } from "./Actor.ts"
import { decide, guildRules } from "./Authorization.ts"
import type { AuditAction } from "./AuditEvents.ts"
import { AuditTrail } from "./AuditTrail.ts"
import { Control, type ControlError } from "./Control.ts"
import type { PlayProgress } from "./Play.ts"
import { maxPlaylistFileBytes, type PlaylistDocument, readDocument, toDocument } from "./PlaylistFile.ts"
import {
  BadPlaylistFile,
  PlaylistsUnavailable,
  NoOwnPlaylists,
  NoSuchPlaylistTrack,
  NothingFound,
  NothingToSave,
  PlaylistEmpty,
  PlaylistExists,
  PlaylistNotFound,
  PlaylistTooLong,
  type Refusal,
  refusal
} from "./Refusal.ts"
import * as Stored from "./Stored.ts"

export { PlaylistId, type PlaylistSummary, type PlaylistTrack } from "../persistence/PlaylistRepo.ts"

import {
  type ImportRequest,
  kept,
  type LoadRequest,
  ownerFor,
  type PlaylistAddition,
  playlistInfo,
  type PlaylistListing,
  type PlaylistPage,
  playlistPageSize,
  type PlaylistRef,
  type PlaylistRemoval,
  type PlaylistsSettings,
  scopeOf,
  visibleTo
} from "./PlaylistModel.ts"

export * from "./PlaylistModel.ts"

/** A read or write of saved playlists, answered in time for Discord's three seconds or refused as unavailable. */
const stored = <A>(
  effect: Effect.Effect<A, SqlError.SqlError | Schema.SchemaError>,
  timeout: Duration.Input = "2 seconds"
): Effect.Effect<A, Refusal> =>
  Stored.stored({ warning: "saved playlists are unavailable", unavailable: new PlaylistsUnavailable(), timeout })(effect)

/** Imports are written in one transaction of up to MAX_PLAYLIST_SIZE rows, after the answer was deferred. */
const importTimeout = "10 seconds"

export class Playlists extends Context.Service<Playlists, {
  /** The guild's queue (the current track first) as a new playlist. */
  /** `tracks` instead of the queue when given (the recent history, say). */
  readonly save: (
    actor: Actor,
    name: string,
    scope: PlaylistScope,
    tracks?: ReadonlyArray<TrackInfo>
  ) => Effect.Effect<PlaylistSummary, Refusal>
  /** Queues the playlist as `/play` would, in the caller's voice channel. */
  readonly load: <E = never>(actor: Actor, name: string, request: LoadRequest<E>) => Effect.Effect<PlayProgress, ControlError | E>
  /** Resolves `query`, then appends what it found; `onAccepted` runs before the (slow) resolution. */
  readonly add: <E = never>(
    actor: Actor,
    name: string,
    query: string,
    onAccepted?: Effect.Effect<void, E>
  ) => Effect.Effect<PlaylistAddition, ControlError | E>
  /** Removes the track at the 1-based `position`. */
  readonly remove: (actor: Actor, name: string, position: number) => Effect.Effect<PlaylistRemoval, Refusal>
  readonly show: (actor: Actor, playlist: PlaylistRef, page: number) => Effect.Effect<PlaylistPage, Refusal>
  readonly list: (actor: Actor, scope?: PlaylistScope) => Effect.Effect<PlaylistListing, Refusal>
  readonly rename: (
    actor: Actor,
    name: string,
    newName: string
  ) => Effect.Effect<{ readonly before: PlaylistSummary; readonly after: PlaylistSummary }, Refusal>
  readonly delete: (actor: Actor, name: string) => Effect.Effect<PlaylistSummary, Refusal>
  readonly exportFile: (
    actor: Actor,
    name: string
  ) => Effect.Effect<{ readonly playlist: PlaylistSummary; readonly document: PlaylistDocument }, Refusal>
  /** A playlist file as a new playlist: checked whole before anything is written, then written at once. */
  readonly importFile: <E = never>(actor: Actor, request: ImportRequest<E>) => Effect.Effect<PlaylistSummary, Refusal | E>
  /** The caller's playlists (own, then the guild's) whose names start with `prefix`; never fails. */
  readonly suggest: (actor: Actor, prefix: string) => Effect.Effect<ReadonlyArray<PlaylistSummary>>
}>()("reprise/control/Playlists") {
  static readonly layer = (settings: PlaylistsSettings) =>
    Layer.effect(
      Playlists,
      Effect.gen(function*() {
        const repo = yield* PlaylistRepo
        const guildSettings = yield* GuildSettingsRepo
        const control = yield* Control
        const resolver = yield* Resolver
        /** The most tracks a playlist may hold in the caller's guild: its own limit, under MAX_PLAYLIST_SIZE. */
        const limitFor = (actor: Actor) =>
          Effect.map(guildSettings.limits(actor.guildId), (l) => Math.min(settings.maxTracks, l.maxPlaylistSize ?? settings.maxTracks))

        /** The caller's own playlist of that name, else the guild's. */
        const locate = Effect.fn("Playlists.locate")(function*(actor: Actor, name: string) {
          if (actor._tag === "Member") {
            const own = yield* stored(repo.find(ownerFor(actor, "user"), name))
            if (Option.isSome(own)) return own.value
          }
          const shared = yield* stored(repo.find(ownerFor(actor, "guild"), name))
          if (Option.isSome(shared)) return shared.value
          return yield* refusal(new PlaylistNotFound({ name }))
        })

        const find = (actor: Actor, ref: PlaylistRef) =>
          ref._tag === "Named"
            ? locate(actor, ref.name)
            : Effect.flatMap(stored(repo.byId(ref.id)), (found) =>
              Option.isSome(found) && visibleTo(actor, found.value.owner)
                ? Effect.succeed(found.value)
                : refusal(new PlaylistNotFound({ name: null })))

        /** One's own playlists are one's own to change; the guild's follow the `playlists` rule. */
        const mayChange = Effect.fn("Playlists.authorize")(function*(actor: Actor, owner: PlaylistOwner) {
          yield* Effect.annotateCurrentSpan({ "guild.id": actor.guildId, "user.id": actor.userId, scope: scopeOf(owner) })
          if (owner._tag === "User") {
            if (actor._tag === "Key") return yield* refusal(new NoOwnPlaylists())
            if (owner.userId !== actor.userId) return yield* refusal(new PlaylistNotFound({ name: null }))
            return
          }
          const access = yield* stored(guildSettings.access(owner.guildId))
          const verdict = decide("playlists", actor, guildRules(access.djRoleId))
          if (verdict._tag === "Refused") return yield* refusal(verdict.reason)
        })

        /** A playlist to change: found by name, and the caller may change it. */
        const editable = (actor: Actor, name: string) =>
          Effect.tap(locate(actor, name), (playlist) => mayChange(actor, playlist.owner))

        const exists = (name: string, owner: PlaylistOwner) => refusal(new PlaylistExists({ name, scope: scopeOf(owner) }))

        const save = Effect.fn("Playlists.save")(function*(
          actor: Actor,
          name: string,
          scope: PlaylistScope,
          given?: ReadonlyArray<TrackInfo>
        ) {
          const owner = ownerFor(actor, scope)
          yield* mayChange(actor, owner)
          const { queue } = yield* control.view(actor.guildId)
          const tracks = given ??
            (queue.current === null ? queue.upcoming : [queue.current, ...queue.upcoming]).map((entry) => entry.track)
          if (tracks.length === 0) return yield* refusal(new NothingToSave())
          const maxTracks = yield* limitFor(actor)
          if (tracks.length > maxTracks) {
            return yield* refusal(new PlaylistTooLong({ limit: maxTracks, wanted: tracks.length }))
          }
          const created = yield* stored(repo.create(owner, name, tracks.map((track) => kept(track, actor))))
          return created._tag === "Created" ? created.playlist : yield* exists(name, owner)
        })

        const load = Effect.fn("Playlists.load")(function*<E>(actor: Actor, name: string, request: LoadRequest<E>) {
          const playlist = yield* locate(actor, name)
          const tracks = (yield* stored(repo.tracks(playlist.id))).map(({ addedBy: _, ...info }) =>
            new Track({ ...info, requester: actor.userId })
          )
          if (tracks.length === 0) return yield* refusal(new PlaylistEmpty({ name: playlist.name }))
          const ordered = request.shuffle ? shuffled(tracks, yield* Random.nextInt) : tracks
          return yield* control.play(actor, {
            source: { _tag: "Tracks", tracks: ordered, playlist: playlistInfo(playlist) },
            next: false,
            announceIn: request.announceIn,
            onAccepted: request.onAccepted,
            onProgress: request.onProgress
          })
        })

        const add = Effect.fn("Playlists.add")(function*<E>(
          actor: Actor,
          name: string,
          query: string,
          onAccepted?: Effect.Effect<void, E>
        ) {
          const playlist = yield* editable(actor, name)
          if (onAccepted !== undefined) yield* onAccepted
          const maxTracks = yield* limitFor(actor)
          const resolved = yield* resolver.resolve(query, actor.userId, { maxTracks })
          if (resolved.tracks.length === 0) return yield* refusal(new NothingFound({ query }))
          const appended = yield* stored(repo.append(playlist.id, resolved.tracks.map((t) => kept(t, actor)), maxTracks))
          switch (appended._tag) {
            case "Missing":
              return yield* refusal(new PlaylistNotFound({ name }))
            case "TooLong":
              return yield* refusal(new PlaylistTooLong({ limit: maxTracks, wanted: appended.has + resolved.tracks.length }))
            case "Appended":
              return {
                playlist: appended.playlist,
                tracks: resolved.tracks,
                position: appended.from + 1,
                from: resolved.playlist
              } satisfies PlaylistAddition
          }
        })

        const remove = Effect.fn("Playlists.remove")(function*(actor: Actor, name: string, position: number) {
          const playlist = yield* editable(actor, name)
          const removed = yield* stored(repo.removeAt(playlist.id, position - 1))
          if (Option.isNone(removed)) {
            return yield* refusal(new NoSuchPlaylistTrack({ name: playlist.name, position, length: playlist.trackCount }))
          }
          const after = {
            ...playlist,
            trackCount: playlist.trackCount - 1,
            durationMs: playlist.durationMs - (removed.value.durationMs ?? 0)
          }
          return { playlist: after, track: removed.value, position } satisfies PlaylistRemoval
        })

        const show = Effect.fn("Playlists.show")(function*(actor: Actor, ref: PlaylistRef, page: number) {
          const playlist = yield* find(actor, ref)
          const pages = Math.max(1, Math.ceil(playlist.trackCount / playlistPageSize))
          const p = Math.min(Math.max(1, page), pages)
          const offset = (p - 1) * playlistPageSize
          const tracks = yield* stored(repo.tracks(playlist.id, { offset, limit: playlistPageSize }))
          return { playlist, page: p, pages, offset, tracks } satisfies PlaylistPage
        })

        const list = Effect.fn("Playlists.list")(function*(actor: Actor, scope?: PlaylistScope) {
          const asked: ReadonlyArray<PlaylistScope> = scope === undefined ? ["user", "guild"] : [scope]
          const scopes = asked.filter((s) => s === "guild" || actor._tag === "Member")
          const all = yield* stored(repo.list(scopes.map((s) => ownerFor(actor, s))))
          const of = (s: PlaylistScope) => (scopes.includes(s) ? all.filter((p) => scopeOf(p.owner) === s) : null)
          return { own: of("user"), guild: of("guild") } satisfies PlaylistListing
        })

        const rename = Effect.fn("Playlists.rename")(function*(actor: Actor, name: string, newName: string) {
          const before = yield* editable(actor, name)
          const renamed = yield* stored(repo.rename(before.id, newName))
          switch (renamed._tag) {
            case "Missing":
              return yield* refusal(new PlaylistNotFound({ name }))
            case "NameTaken":
              return yield* exists(newName, before.owner)
            case "Created":
              return { before, after: renamed.playlist }
          }
        })

        const deletePlaylist = Effect.fn("Playlists.delete")(function*(actor: Actor, name: string) {
          const playlist = yield* editable(actor, name)
          if (!(yield* stored(repo.delete(playlist.id)))) return yield* refusal(new PlaylistNotFound({ name }))
          return playlist
        })

        const exportFile = Effect.fn("Playlists.export")(function*(actor: Actor, name: string) {
          const playlist = yield* locate(actor, name)
          const tracks = yield* stored(repo.tracks(playlist.id))
          return { playlist, document: toDocument(playlist.name, tracks) }
        })

        const importFile = Effect.fn("Playlists.import")(function*<E>(actor: Actor, request: ImportRequest<E>) {
          const owner = ownerFor(actor, request.scope)
          yield* mayChange(actor, owner)
          if (request.onAccepted !== undefined) yield* request.onAccepted
          const tooLarge = refusal(new BadPlaylistFile({ field: null, problem: "it is larger than 1 MiB" }))
          if (request.size > maxPlaylistFileBytes) return yield* tooLarge
          const text = yield* request.read(maxPlaylistFileBytes)
          if (Option.isNone(text)) return yield* tooLarge
          const read = readDocument(text.value, yield* limitFor(actor))
          if (Result.isFailure(read)) return yield* refusal(read.failure)
          const name = request.name ?? read.success.name
          const tracks = read.success.tracks.map((t) => kept(t, actor))
          const created = yield* stored(repo.create(owner, name, tracks), importTimeout)
          return created._tag === "Created" ? created.playlist : yield* exists(name, owner)
        })

        const suggest = Effect.fn("Playlists.suggest")(function*(actor: Actor, prefix: string) {
          const found = yield* stored(repo.search([ownerFor(actor, "user"), ownerFor(actor, "guild")], prefix.trim(), 50))
          // A name the caller has themselves hides the guild's of the same name: it is the one they would get.
          const own = new Set(found.filter((p) => p.owner._tag === "User").map((p) => p.name.toLowerCase()))
          return found.filter((p) => p.owner._tag === "User" || !own.has(p.name.toLowerCase())).slice(0, 25)
        }, Effect.orElseSucceed((): ReadonlyArray<PlaylistSummary> => []))

        const audit = yield* AuditTrail
        /** Every edit of a saved playlist goes to the audit log, with the playlist's id and name. */
        const edited = (actor: Actor, action: AuditAction, playlist: PlaylistSummary, detail: Record<string, unknown> = {}) =>
          audit.record(actor, action, { playlist: playlist.id, name: playlist.name, ...detail })

        return Playlists.of({
          save: (actor, name, scope, tracks) =>
            Effect.tap(save(actor, name, scope, tracks), (p) => edited(actor, "playlist-saved", p, { scope })),
          load,
          add: (actor, name, query, onAccepted) =>
            Effect.tap(add(actor, name, query, onAccepted), (a) =>
              edited(actor, "playlist-added", a.playlist, { count: a.tracks.length })),
          remove: (actor, name, position) =>
            Effect.tap(remove(actor, name, position), (r) => edited(actor, "playlist-removed", r.playlist, { position })),
          show,
          list,
          rename: (actor, name, newName) =>
            Effect.tap(rename(actor, name, newName), (r) => edited(actor, "playlist-renamed", r.after, { from: r.before.name })),
          delete: (actor, name) => Effect.tap(deletePlaylist(actor, name), (p) => edited(actor, "playlist-deleted", p)),
          exportFile,
          importFile: (actor, request) =>
            Effect.tap(importFile(actor, request), (p) => edited(actor, "playlist-imported", p, { count: p.trackCount })),
          suggest
        })
      })
    )

  /** MAX_PLAYLIST_SIZE from the resolver's section: a saved playlist holds what a loaded one may. */
  static readonly layerConfig = Layer.unwrap(
    Effect.map(Section.settingsOf(resolveSection), (s) => Playlists.layer({ maxTracks: s.maxPlaylistSize }))
  )
}
