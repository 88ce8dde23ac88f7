/**
 * `/lyrics live`: the answer follows the track, its current synced line marked. One live view per
 * guild (a new one ends the old), edited only when the line changes and at most once per
 * interval, ended when another track plays or after a bound, whichever comes first: the
 * interaction's token, which the edits use, lasts fifteen minutes.
 */
import type { ChatInputCommandInteraction } from "discord.js"
import { Clock, Context, Duration, Effect, FiberMap, Layer, Option } from "effect"
import type { GuildId } from "../../schema/Ids.ts"
import { type EntryId, positionNow } from "../../schema/PlayerState.ts"
import { Control } from "../control/Control.ts"
import { lineAt } from "../lyrics/Lrc.ts"
import type { Song } from "../lyrics/Lyrics.ts"
import { discordCall } from "./Interaction.ts"
import { liveEndedText, liveMessage, lyricsMessage } from "./LyricsRender.ts"

export interface LiveLyricsOptions {
  /** Least time between two edits of the view. */
  readonly interval: Duration.Input
  /** Longest a view follows a track. */
  readonly bound: Duration.Input
}

export class LiveLyrics extends Context.Service<LiveLyrics, {
  /**
   * Follows `entry` in the interaction's reply, which already shows the view at `shown` (the
   * index of the line it marks). Returns at once; the view runs in the background.
   */
  readonly follow: (
    interaction: ChatInputCommandInteraction<"cached">,
    guildId: GuildId,
    entry: EntryId,
    song: Song,
    shown: number
  ) => Effect.Effect<void>
}>()("reprise/discord/LiveLyrics") {
  /** Needs `Control`, to read where the guild's track is. */
  static readonly layer = (options: LiveLyricsOptions = { interval: "2500 millis", bound: "10 minutes" }) =>
    Layer.effect(
      LiveLyrics,
      Effect.gen(function*() {
        const control = yield* Control
        const views = yield* FiberMap.make<GuildId>()
        const interval = Duration.fromInputUnsafe(options.interval)
        const bound = Duration.toMillis(Duration.fromInputUnsafe(options.bound))

        const run = (interaction: ChatInputCommandInteraction<"cached">, guildId: GuildId, entry: EntryId, song: Song, shown: number) =>
          Effect.gen(function*() {
            const until = (yield* Clock.currentTimeMillis) + bound
            let marked = shown
            while (true) {
              yield* Effect.sleep(interval)
              const state = yield* control.view(guildId)
              const now = yield* Clock.currentTimeMillis
              if (state.queue.current?.entryId !== entry || now >= until) return
              const line = lineAt(song.synced, positionNow(state, now))
              if (line === marked) continue
              yield* discordCall("editReply", () => interaction.editReply(liveMessage(song, line)))
              marked = line
            }
          }).pipe(
            // Ended for whatever reason (another track, the bound, a newer view): the words stay, paged.
            Effect.ensuring(
              discordCall("editReply", () => interaction.editReply(lyricsMessage(song, 1, liveEndedText))).pipe(
                // At shutdown too: a Discord that does not answer must not hold it up.
                Effect.timeout("2 seconds"),
                Effect.catch((error) => Effect.logWarning("could not end a live lyrics view", error))
              )
            ),
            // A reply that was deleted cannot be followed: the view just ends.
            Effect.catch((error) => Effect.logInfo("live lyrics view stopped", error)),
            Effect.annotateLogs({ guildId, lyrics: song.id }),
            // It outlives the command by minutes: a trace of its own, linked to the command that started it.
            (view) =>
              Effect.flatMap(Effect.currentSpan.pipe(Effect.option), (command) =>
                Effect.withSpan(view, "LiveLyrics.view", {
                  root: true,
                  links: Option.isSome(command) ? [{ span: command.value, attributes: { "link.kind": "started-by" } }] : [],
                  attributes: { "guild.id": guildId, "lyrics.id": song.id }
                }))
          )

        return LiveLyrics.of({
          follow: (interaction, guildId, entry, song, shown) =>
            FiberMap.run(views, guildId, run(interaction, guildId, entry, song, shown)).pipe(Effect.asVoid)
        })
      })
    )
}
