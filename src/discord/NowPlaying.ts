/**
 * The now-playing message: posted in the player's text channel (where playback was started) when
 * the first track is heard, then kept current from player events by editing it, at most once per
 * `minEditInterval`; a guild that chose to repost gets a new message at the bottom of the channel
 * for each new track instead (the old one is deleted). A track that started but is not heard yet is
 * never shown as playing. When the player leaves (or the bot shuts down) it says why it stopped,
 * without buttons.
 *
 * Tracks that fail are told in the same channel: one message for a burst of failures one after
 * another, sent once something is heard again, the queue ran out, or `failureBurst` passed.
 */
import { Clock, Context, Duration, Effect, FiberMap, Layer, PubSub } from "effect"
import type { BaseMessageOptions } from "discord.js"
import type { GuildId } from "../../schema/Ids.ts"
import type { PlayerEvent, TrackFailed } from "../../schema/PlayerEvent.ts"
import { type PlayerState, positionNow, type QueueEntry } from "../../schema/PlayerState.ts"
import { untilNextChapter } from "../../schema/Segments.ts"
import type { Substitution } from "../../schema/Track.ts"
import { DiscordGateway } from "../gateway/DiscordGateway.ts"
import { GuildSettingsRepo } from "../persistence/GuildSettingsRepo.ts"
import { PlayerRegistry } from "../player/PlayerRegistry.ts"
import { discordCall } from "./Interaction.ts"
import { finishedMessage, nowPlayingMessage } from "./NowPlayingMessage.ts"
import { type AfterFailure, autoplayEmptyNotice, failureNotice, restoredNotice, teardownText } from "./Render.ts"

interface Board {
  readonly channelId: string
  messageId: string | null
  lastEditAt: number
  /** The entry last heard: only it may be shown as playing. */
  heard: number | null
  /** The site playing the heard entry in place of its own, when it is not its own. */
  substitution: Substitution | null
}

interface Burst {
  readonly channelId: string
  readonly failures: Array<{ readonly entry: QueueEntry; readonly reason: string }>
}

export interface NowPlayingOptions {
  readonly minEditInterval: Duration.Input
  /** How long after a failure the next one still joins its message. */
  readonly failureBurst: Duration.Input
}

/** The final edits at shutdown may hold it up this long at most. */
const shutdownEditsWithin = "3 seconds"

const make = Effect.fnUntraced(function*(options: NowPlayingOptions) {
  const { client } = yield* DiscordGateway
  const registry = yield* PlayerRegistry
  const settings = yield* GuildSettingsRepo
  const interval = Duration.toMillis(Duration.fromInputUnsafe(options.minEditInterval))
  const boards = new Map<GuildId, Board>()
  // Keyed by board: a guild's next message is never held up by its previous one's last edit.
  const pending = yield* FiberMap.make<Board>()
  const bursts = new Map<GuildId, Burst>()
  const burstTimers = yield* FiberMap.make<GuildId>()
  // No event marks a new chapter: each guild's message is refreshed when the next one starts.
  const chapterTimers = yield* FiberMap.make<GuildId>()

  const channelOf = (board: Board) => {
    const channel = client.channels.cache.get(board.channelId)
    return channel !== undefined && channel.isSendable() ? channel : null
  }

  const write = (guildId: GuildId, board: Board, body: BaseMessageOptions) =>
    Effect.gen(function*() {
      const channel = channelOf(board)
      if (channel === null) return
      if (board.messageId === null) {
        const message = yield* discordCall("send now playing", async () => (await channel.send(body)).id)
        board.messageId = message
      } else {
        const id = board.messageId
        yield* discordCall("edit now playing", async () => void (await channel.messages.edit(id, body)))
      }
    }).pipe(
      // The pace counts from when Discord answered, so a slow answer can never bunch two edits.
      Effect.ensuring(Effect.map(Clock.currentTimeMillis, (now) => void (board.lastEditAt = now))),
      Effect.catch((error) => Effect.logWarning("could not update the now-playing message", error)),
      Effect.annotateLogs({ guildId }),
      Effect.withSpan("NowPlaying.write", { attributes: { "guild.id": guildId } })
    )

  /** The message as the guild's state, settings and the heard track's source say it now. */
  const render = (guildId: GuildId, state: PlayerState, now: number) =>
    Effect.gen(function*() {
      const board = boards.get(guildId)
      const substitution = board !== undefined && board.heard === state.queue.current?.entryId ? board.substitution : null
      const context = { autoplay: yield* settings.autoplay(guildId), substitution }
      return nowPlayingMessage(state, now, context)
    })

  /**
   * A new track in a guild that reposts: the old message goes, so the next write posts at the
   * bottom of the channel. A delete that fails leaves the old message as it was, said in the log;
   * the new one is posted all the same.
   */
  const repost = (guildId: GuildId, board: Board, old: string) =>
    Effect.gen(function*() {
      board.messageId = null
      const channel = channelOf(board)
      if (channel === null) return
      yield* discordCall("delete now playing", async () => void (await channel.messages.delete(old))).pipe(
        Effect.catch((error) => Effect.logWarning("could not delete the previous now-playing message", error)),
        Effect.annotateLogs({ guildId })
      )
    })

  const refresh = (guildId: GuildId): Effect.Effect<void> =>
    Effect.gen(function*() {
      const board = boards.get(guildId)
      if (board === undefined) return
      const state = yield* registry.state(guildId)
      const current = state.queue.current
      // Not heard yet: its TrackAudible brings the edit (or, should it fail, whatever follows).
      if (current !== null && current.entryId !== board.heard) return
      const now = yield* Clock.currentTimeMillis
      yield* write(guildId, board, yield* render(guildId, state, now))
      const untilNext = current === null || !state.position.playing
        ? null
        : untilNextChapter(current.track.chapters, positionNow(state, now))
      if (untilNext === null) return yield* FiberMap.remove(chapterTimers, guildId)
      yield* FiberMap.run(chapterTimers, guildId, Effect.sleep(untilNext).pipe(Effect.andThen(schedule(guildId))))
    })

  /** At most one edit per interval; events in between are folded into the next edit. */
  const schedule = (guildId: GuildId) =>
    Effect.gen(function*() {
      const board = boards.get(guildId)
      if (board === undefined || board.messageId === null) return
      const wait = Math.max(0, board.lastEditAt + interval - (yield* Clock.currentTimeMillis))
      yield* FiberMap.run(pending, board, Effect.sleep(wait).pipe(Effect.andThen(refresh(guildId))), {
        onlyIfMissing: true
      })
    })

  /** The guild's board, created from the player's text channel when its first track is heard. */
  const boardFor = (event: PlayerEvent) =>
    Effect.gen(function*() {
      const existing = boards.get(event.guildId)
      if (existing !== undefined || event._tag !== "TrackAudible") return existing
      const { textChannelId } = yield* registry.state(event.guildId)
      if (textChannelId === null) return undefined
      const board: Board = { channelId: textChannelId, messageId: null, lastEditAt: 0, heard: null, substitution: null }
      boards.set(event.guildId, board)
      return board
    })

  /** Tells the channel about the guild's failures so far, and what plays after them. */
  const tellFailures = (guildId: GuildId, after: AfterFailure) =>
    Effect.gen(function*() {
      const burst = bursts.get(guildId)
      bursts.delete(guildId)
      const channel = burst === undefined ? undefined : client.channels.cache.get(burst.channelId)
      if (burst === undefined || channel === undefined || !channel.isSendable()) return
      yield* discordCall("send failure notice", async () => void (await channel.send(failureNotice(burst.failures, after))))
    }).pipe(
      Effect.catch((error) => Effect.logWarning("could not say that a track failed", error)),
      Effect.annotateLogs({ guildId })
    )

  /** Something happened that ends the guild's burst of failures: tell it now. */
  const flushFailures = (guildId: GuildId, after: AfterFailure) =>
    FiberMap.remove(burstTimers, guildId).pipe(Effect.andThen(tellFailures(guildId, after)))

  /** The next failure soon after joins this one's message; told at the latest `failureBurst` after the last. */
  const failed = (event: TrackFailed) =>
    Effect.gen(function*() {
      const { guildId } = event
      const known = bursts.get(guildId)
      const channelId = known?.channelId ?? boards.get(guildId)?.channelId ?? (yield* registry.state(guildId)).textChannelId
      if (channelId === null) return
      const burst = known ?? { channelId, failures: [] }
      burst.failures.push({ entry: event.entry, reason: event.reason })
      bursts.set(guildId, burst)
      // Nothing heard nor idle by then: the track that is starting is what comes instead.
      const tell = Effect.gen(function*() {
        const current = (yield* registry.state(guildId)).queue.current
        yield* tellFailures(guildId, current === null ? { _tag: "Empty" } : { _tag: "Next", entry: current })
      })
      // Once telling, a failure coming in starts a burst of its own rather than cut this message off.
      const timer = Effect.sleep(options.failureBurst).pipe(Effect.andThen(Effect.uninterruptible(tell)))
      yield* FiberMap.run(burstTimers, guildId, timer)
    })

  /** At shutdown no Disconnected arrives in time: every message still showing music says so now. */
  yield* Effect.addFinalizer(() =>
    Effect.forEach([...boards], ([guildId, board]) =>
      FiberMap.remove(pending, board).pipe(
        Effect.andThen(board.messageId === null
          ? Effect.void
          : write(guildId, board, finishedMessage(teardownText({ reason: "shutdown", by: null }))))
      ), { concurrency: "unbounded", discard: true }).pipe(Effect.timeoutOption(shutdownEditsWithin), Effect.asVoid)
  )

  /** One message where the player announces (its text channel), e.g. that the music came back after a restart. */
  const announce = (guildId: GuildId, what: string, message: BaseMessageOptions) =>
    Effect.gen(function*() {
      const { textChannelId } = yield* registry.state(guildId)
      const channel = textChannelId === null ? undefined : client.channels.cache.get(textChannelId)
      if (channel === undefined || !channel.isSendable()) return
      yield* discordCall(`send ${what} notice`, async () => void (await channel.send(message)))
    }).pipe(
      Effect.catch((error) => Effect.logWarning(`could not send the ${what} notice`, error)),
      Effect.annotateLogs({ guildId })
    )

  const handle = (event: PlayerEvent) =>
    Effect.gen(function*() {
      switch (event._tag) {
        case "Restored":
          return yield* announce(event.guildId, "restored", restoredNotice(event))
        case "AutoplayFoundNothing":
          return yield* announce(event.guildId, "autoplay", autoplayEmptyNotice(event))
        case "TrackFailed":
          yield* failed(event)
          break
        case "TrackAudible":
          yield* flushFailures(event.guildId, { _tag: "Playing", entry: event.entry })
          break
        case "Idle":
        case "Disconnected":
          yield* flushFailures(event.guildId, { _tag: "Empty" })
          break
      }
      const board = yield* boardFor(event)
      if (board === undefined) return
      if (event._tag === "Disconnected") {
        boards.delete(event.guildId)
        yield* FiberMap.remove(chapterTimers, event.guildId)
        if (board.messageId === null) return yield* FiberMap.remove(pending, board)
        // The last edit keeps to the pace too; it replaces any edit still waiting.
        const wait = Math.max(0, board.lastEditAt + interval - (yield* Clock.currentTimeMillis))
        const final = write(event.guildId, board, finishedMessage(teardownText(event)))
        yield* FiberMap.run(pending, board, Effect.sleep(wait).pipe(Effect.andThen(final)))
        return
      }
      if (event._tag === "TrackAudible") {
        const fresh = board.heard !== event.entry.entryId
        board.heard = event.entry.entryId
        board.substitution = event.substitution ?? null
        if (fresh && board.messageId !== null) {
          const { guildId } = event
          const old = board.messageId
          const wait = Math.max(0, board.lastEditAt + interval - (yield* Clock.currentTimeMillis))
          // Decided in the board's own slot, as its edits are: a settings read and, to repost, a
          // delete and a send must not hold up the other guilds' events.
          const next = Effect.flatMap(settings.repostNowPlaying(guildId), (again) =>
            again
              ? Effect.andThen(repost(guildId, board, old), refresh(guildId))
              : Effect.andThen(Effect.sleep(wait), refresh(guildId)))
          return yield* FiberMap.run(pending, board, next)
        }
        // A final edit of the guild's previous message may still be waiting: let it finish.
        if (board.messageId === null) return yield* refresh(event.guildId)
      }
      yield* schedule(event.guildId)
    })

  const events = yield* registry.subscribe
  yield* PubSub.take(events).pipe(
    Effect.flatMap(handle),
    Effect.forever,
    Effect.forkScoped
  )

  return NowPlaying.of({
    message: (guildId) =>
      Effect.flatMap(Effect.zip(registry.state(guildId), Clock.currentTimeMillis), ([state, now]) => render(guildId, state, now)),
    touched: (guildId, messageId) =>
      Effect.gen(function*() {
        const board = boards.get(guildId)
        if (board === undefined || board.messageId !== messageId) return
        board.lastEditAt = yield* Clock.currentTimeMillis
      })
  })
})

export class NowPlaying extends Context.Service<NowPlaying, {
  /** The message was just updated in answer to a button press: that counts as an edit. */
  readonly touched: (guildId: GuildId, messageId: string) => Effect.Effect<void>
  /** The now-playing message as it would show now, with the guild's settings: for the buttons and `/nowplaying`. */
  readonly message: (guildId: GuildId) => Effect.Effect<BaseMessageOptions>
}>()("reprise/discord/NowPlaying") {
  /** Discord's rate limits on edits make 5 seconds a good interval. */
  static readonly layer = (options: Partial<NowPlayingOptions> = {}) =>
    Layer.effect(NowPlaying, make({ minEditInterval: "5 seconds", failureBurst: "4 seconds", ...options }))
}
