/**
 * The common path of every way to start music: join the caller's channel while the tracks
 * resolve, queue each batch as it arrives (a playlist's first track plays before the rest are
 * read), and report how far the loading got after every batch.
 */
import { Clock, Effect, Fiber, Stream } from "effect"
import { longerThan, trackLimitMs } from "../../schema/GuildRules.ts"
import type { ChannelId } from "../../schema/Ids.ts"
import type * as Cmd from "../../schema/PlayerCommand.ts"
import { Connect, Enqueue, Resume } from "../../schema/PlayerCommand.ts"
import { startsInMs } from "../../schema/PlayerState.ts"
import type { ReplyOf } from "../../schema/PlayerReply.ts"
import type { Track } from "../../schema/Track.ts"
import type { AttachmentInput, StoredUpload } from "../resolve/sources/AttachmentSource.ts"
import type { Resolver } from "../resolve/Resolver.ts"
import type { PlaylistInfo, ResolvedBatch, ResolvedTracks } from "../resolve/Resolution.ts"
import type { ResolveError } from "../resolve/ResolveError.ts"
import type { GuildSettingsRepo } from "../persistence/GuildSettingsRepo.ts"
import type { FailureOf } from "../player/GuildPlayer.ts"
import type { PlayerRegistry } from "../player/PlayerRegistry.ts"
import type { Actor } from "./Actor.ts"
import { NothingFound, NotInVoice, refusal, TrackTooLong } from "./Refusal.ts"
import { awaitStart, type Start } from "./Start.ts"

/**
 * What to play: words or a link, an uploaded file, a search result picked from a list, or tracks
 * known already (a saved playlist), stamped with the caller as requester.
 */
export type PlaySource =
  | { readonly _tag: "Query"; readonly query: string }
  | { readonly _tag: "Upload"; readonly file: AttachmentInput }
  | { readonly _tag: "Stored"; readonly file: StoredUpload }
  | { readonly _tag: "Pick"; readonly value: string }
  | { readonly _tag: "Tracks"; readonly tracks: ReadonlyArray<Track>; readonly playlist: PlaylistInfo | null }

export interface PlayRequest<E = never> {
  readonly source: PlaySource
  /** Right after the current track instead of at the end. */
  readonly next: boolean
  /** The text channel that hears about playback, when the guild's player has none yet. */
  readonly announceIn?: ChannelId | undefined
  /** Run once the request is allowed, before the slow part (an edge acknowledges it here). */
  readonly onAccepted?: Effect.Effect<void, E> | undefined
  /** Told after each batch is queued (a playlist loads in several). */
  readonly onProgress?: ((progress: PlayProgress) => Effect.Effect<void, E>) | undefined
}

/** Where a load stands after a batch. */
export interface PlayProgress {
  /** The first track queued (null when all were already queued and duplicates are refused). */
  readonly lead: Track | null
  /** The 1-based queue position of the first track; 0 when it started playing at once. */
  readonly startedAt: number
  readonly added: number
  /** Each track queued so far with its 1-based position when it was queued (0: it played at once). */
  readonly queued: ReadonlyArray<{ readonly position: number; readonly track: Track }>
  /** Tracks left out as already queued. */
  readonly skipped: number
  /** Tracks left out as longer than the guild plays, and that limit in ms. */
  readonly tooLong: number
  readonly trackLimitMs: number
  /** Whether the first track, when it started at once, is heard yet; null when it was queued behind others. */
  readonly start: Start | null
  /** How long until the first track, queued behind others, starts; null when it started or a length before it is unknown. */
  readonly startsInMs: number | null
  /** The latest batch: its playlist and counts describe the load so far. */
  readonly batch: ResolvedBatch
  /** True once the last batch is in. */
  readonly done: boolean
}

/**
 * How long a request to play waits for its track to be heard: its answer is deferred, and a
 * track that starts takes FFmpeg's start-up (and a slow source's first bytes) to be heard.
 */
const heardWithin = "10 seconds"

/** One answer as a stream of one batch, for the sources that answer at once. */
const single = (resolved: Effect.Effect<ResolvedTracks, ResolveError>): Stream.Stream<ResolvedBatch, ResolveError> =>
  Stream.fromEffect(Effect.map(resolved, (r) => ({ ...r, loaded: r.tracks.length, expected: r.tracks.length })))

export const makePlay = (deps: {
  /** Sends a command as the actor (and records what it changed). */
  readonly send: <C extends Cmd.UserCommand>(actor: Actor, command: C) => Effect.Effect<ReplyOf<C>, FailureOf<C>>
  readonly registry: PlayerRegistry["Service"]
  readonly resolver: Resolver["Service"]
  readonly settings: GuildSettingsRepo["Service"]
  /** MAX_TRACK_DURATION, in ms: the guild's own limit may only be lower. */
  readonly maxTrackDurationMs: number
}) =>
  Effect.fn("Control.play")(function*<E>(actor: Actor, request: PlayRequest<E>) {
    const { registry, resolver } = deps
    const { guildId, userId } = actor
    const channelId = actor.voiceChannelId
    if (channelId === null) return yield* refusal(new NotInVoice())
    if (request.onAccepted !== undefined) yield* request.onAccepted
    const limits = yield* deps.settings.limits(guildId)
    const limitMs = trackLimitMs(deps.maxTrackDurationMs, limits.maxTrackMinutes)
    // The first track left out for its length: when nothing else is queued, the refusal names it.
    const tooLong: { first: Track | null; count: number } = { first: null, count: 0 }
    const batches = yield* Effect.gen(function*() {
      switch (request.source._tag) {
        case "Query": {
          // The guild's own playlist cap, if it set one; the global MAX_PLAYLIST_SIZE bounds it either way.
          return resolver.resolveStream(request.source.query, userId, { maxTracks: limits.maxPlaylistSize ?? undefined })
        }
        case "Upload":
          return single(resolver.resolveAttachment(request.source.file, userId))
        case "Stored":
          return single(resolver.resolveStored(request.source.file, userId))
        case "Pick":
          return single(resolver.resolve(request.source.value, userId))
        case "Tracks":
          return single(Effect.succeed({ tracks: request.source.tracks, playlist: request.source.playlist }))
      }
    })
    // A queue kept paused from before a restart (nobody was in its channel then) plays again once joined.
    const away = (yield* registry.channel(guildId)) === null
    // Joining takes about as long as resolving: both run at once.
    const joining = yield* Effect.forkChild(registry.send(guildId, new Connect({ channelId, requester: userId })))

    // Where the next batch goes when the tracks were asked for "next".
    let nextPosition = 1
    const queueBatch = (progress: PlayProgress | null, batch: ResolvedBatch) =>
      Effect.gen(function*() {
        // Refused before anything plays: a 2 GiB file read as a 37-hour track never reaches FFmpeg.
        const long = batch.tracks.filter((track) => longerThan(track, limitMs))
        tooLong.count += long.length
        tooLong.first ??= long[0] ?? null
        const [first, ...rest] = long.length === 0 ? batch.tracks : batch.tracks.filter((track) => !longerThan(track, limitMs))
        if (first === undefined) return progress === null ? progress : { ...progress, tooLong: tooLong.count, batch }
        if (progress === null) yield* Fiber.join(joining)
        const position = !request.next ? "end" as const : progress === null ? "next" as const : nextPosition
        const enqueue = deps.send(
          actor,
          new Enqueue({
            tracks: [first, ...rest],
            position,
            requester: userId,
            announceIn: request.announceIn,
            limit: limits.maxQueueLength ?? undefined,
            allowDuplicates: limits.allowDuplicates
          })
        )
        // The first batch's answer waits to hear whether the track it started plays.
        const { reply, start } = progress === null
          ? yield* awaitStart(registry, guildId, enqueue, (r) => r.position === 0 ? r.added[0] ?? null : null, heardWithin)
          : { reply: yield* enqueue, start: null }
        const skipped = reply.duplicatesAllowed ? 0 : reply.duplicates.length
        nextPosition = (progress === null ? Math.max(1, reply.position) : nextPosition) + reply.added.length
        // The entries of one batch are queued side by side, from the reply's position on.
        const queued = reply.added.map((entry, i) => ({ position: reply.position + i, track: entry.track }))
        let updated: PlayProgress
        if (progress === null) {
          const state = yield* registry.state(guildId)
          updated = {
            lead: reply.added[0]?.track ?? null,
            startedAt: reply.position,
            added: reply.added.length,
            queued,
            skipped,
            tooLong: tooLong.count,
            trackLimitMs: limitMs,
            start,
            startsInMs: reply.position === 0 ? null : startsInMs(state, yield* Clock.currentTimeMillis, reply.position - 1),
            batch,
            done: false
          }
          if (away && state.paused) yield* registry.send(guildId, new Resume({ requester: userId })).pipe(Effect.ignore)
        } else {
          updated = {
            ...progress,
            added: progress.added + reply.added.length,
            queued: [...progress.queued, ...queued],
            skipped: progress.skipped + skipped,
            tooLong: tooLong.count,
            batch
          }
        }
        if (request.onProgress !== undefined) yield* request.onProgress(updated)
        return updated
      })

    const progress = yield* Stream.runFoldEffect(batches, (): PlayProgress | null => null, queueBatch)
    if (progress === null) {
      yield* Fiber.interrupt(joining)
      if (tooLong.first !== null && tooLong.first.durationMs !== null) {
        const { title, durationMs } = tooLong.first
        return yield* refusal(new TrackTooLong({ title, durationMs, limitMs }))
      }
      return yield* refusal(new NothingFound({ query: null }))
    }
    return { ...progress, done: true }
  })
