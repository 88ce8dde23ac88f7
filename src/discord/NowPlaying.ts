/**
 * The now-playing message: posted in the player's text channel (where playback was started) when
 * the first track starts, then kept current from player events by editing it (never re-posting),
 * at most once per `minEditInterval`. When the player leaves it shows that it stopped.
 */
import { Clock, Context, Duration, Effect, FiberMap, Layer, PubSub } from "effect"
import type { BaseMessageOptions } from "discord.js"
import type { GuildId } from "../../schema/Ids.ts"
import type { PlayerEvent, Restored } from "../../schema/PlayerEvent.ts"
import { DiscordGateway } from "../gateway/DiscordGateway.ts"
import { PlayerRegistry } from "../player/PlayerRegistry.ts"
import { discordCall } from "./Interaction.ts"
import { finishedMessage, nowPlayingMessage, restoredNotice } from "./Render.ts"

interface Board {
  readonly channelId: string
  messageId: string | null
  lastEditAt: number
}

const make = Effect.fnUntraced(function*(options: { readonly minEditInterval: Duration.Input }) {
  const { client } = yield* DiscordGateway
  const registry = yield* PlayerRegistry
  const interval = Duration.toMillis(Duration.fromInputUnsafe(options.minEditInterval))
  const boards = new Map<GuildId, Board>()
  // Keyed by board: a guild's next message is never held up by its previous one's last edit.
  const pending = yield* FiberMap.make<Board>()

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

  const refresh = (guildId: GuildId) =>
    Effect.gen(function*() {
      const board = boards.get(guildId)
      if (board === undefined) return
      const state = yield* registry.state(guildId)
      yield* write(guildId, board, nowPlayingMessage(state, yield* Clock.currentTimeMillis))
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

  /** The guild's board, created from the player's text channel when its first track starts. */
  const boardFor = (event: PlayerEvent) =>
    Effect.gen(function*() {
      const existing = boards.get(event.guildId)
      if (existing !== undefined || event._tag !== "TrackStarted") return existing
      const { textChannelId } = yield* registry.state(event.guildId)
      if (textChannelId === null) return undefined
      const board: Board = { channelId: textChannelId, messageId: null, lastEditAt: 0 }
      boards.set(event.guildId, board)
      return board
    })

  /** One message where the player announces, saying that the music came back after a restart. */
  const announceRestored = (event: Restored) =>
    Effect.gen(function*() {
      const { textChannelId } = yield* registry.state(event.guildId)
      const channel = textChannelId === null ? undefined : client.channels.cache.get(textChannelId)
      if (channel === undefined || !channel.isSendable()) return
      yield* discordCall("send restored notice", async () => void (await channel.send(restoredNotice(event))))
    }).pipe(
      Effect.catch((error) => Effect.logWarning("could not say that playback resumed", error)),
      Effect.annotateLogs({ guildId: event.guildId })
    )

  const handle = (event: PlayerEvent) =>
    Effect.gen(function*() {
      if (event._tag === "Restored") return yield* announceRestored(event)
      const board = yield* boardFor(event)
      if (board === undefined) return
      if (event._tag === "Disconnected") {
        boards.delete(event.guildId)
        if (board.messageId === null) return yield* FiberMap.remove(pending, board)
        // The last edit keeps to the pace too; it replaces any edit still waiting.
        const wait = Math.max(0, board.lastEditAt + interval - (yield* Clock.currentTimeMillis))
        const final = write(event.guildId, board, finishedMessage("I left the voice channel."))
        yield* FiberMap.run(pending, board, Effect.sleep(wait).pipe(Effect.andThen(final)))
        return
      }
      if (event._tag === "TrackStarted" && board.messageId === null) {
        // A final edit of the guild's previous message may still be waiting: let it finish.
        return yield* refresh(event.guildId)
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
}>()("reprise/discord/NowPlaying") {
  /** Discord's rate limits on edits make 5 seconds a good interval. */
  static readonly layer = (options: { readonly minEditInterval: Duration.Input } = { minEditInterval: "5 seconds" }) =>
    Layer.effect(NowPlaying, make(options))
}
