/**
 * Tells the player's text channel when playback went past a part of a YouTube video that
 * SponsorBlock marked: one short message per track, edited as more parts of it are skipped.
 */
import { Effect, Layer, PubSub } from "effect"
import type { GuildId } from "../../schema/Ids.ts"
import type { PlayerEvent, SegmentSkipped } from "../../schema/PlayerEvent.ts"
import type { Segment } from "../../schema/Segments.ts"
import { DiscordGateway } from "../gateway/DiscordGateway.ts"
import { PlayerRegistry } from "../player/PlayerRegistry.ts"
import { discordCall } from "./Interaction.ts"
import { skipNotice } from "./Render.ts"

/** The message about the skips of the track that plays, once sent. */
interface Notice {
  readonly channelId: string
  messageId: string | null
  readonly skipped: Array<Segment>
}

export const layer = Layer.effectDiscard(
  Effect.gen(function*() {
    const { client } = yield* DiscordGateway
    const registry = yield* PlayerRegistry
    const notices = new Map<GuildId, Notice>()

    const tell = (event: SegmentSkipped) =>
      Effect.gen(function*() {
        const known = notices.get(event.guildId)
        const channelId = known?.channelId ?? (yield* registry.state(event.guildId)).textChannelId
        const channel = channelId === null ? undefined : client.channels.cache.get(channelId)
        if (channelId === null || channel === undefined || !channel.isSendable()) return
        const notice = known ?? { channelId, messageId: null, skipped: [] }
        notices.set(event.guildId, notice)
        notice.skipped.push(event.segment)
        const body = skipNotice(notice.skipped)
        const id = notice.messageId
        if (id === null) notice.messageId = yield* discordCall("send skip notice", async () => (await channel.send(body)).id)
        else yield* discordCall("edit skip notice", async () => void (await channel.messages.edit(id, body)))
      }).pipe(
        Effect.catch((error) => Effect.logWarning("could not say that a part of the track was skipped", error)),
        Effect.annotateLogs({ guildId: event.guildId })
      )

    const handle = (event: PlayerEvent): Effect.Effect<void> => {
      switch (event._tag) {
        case "SegmentSkipped":
          return tell(event)
        // A new track (or the same one again, looped) gets a message of its own.
        case "TrackStarted":
        case "Disconnected":
          return Effect.sync(() => void notices.delete(event.guildId))
        default:
          return Effect.void
      }
    }

    const events = yield* registry.subscribe
    yield* PubSub.take(events).pipe(Effect.flatMap(handle), Effect.forever, Effect.forkScoped)
  })
)
