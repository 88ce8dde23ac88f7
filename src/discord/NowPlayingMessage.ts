/** The now-playing message: the embed of what plays, and the buttons under it. */
import { ActionRowBuilder, type BaseMessageOptions, ButtonBuilder, ButtonStyle, EmbedBuilder } from "discord.js"
import { formatMs } from "../../schema/PlayerError.ts"
import { type PlayerState, positionNow, queueLength } from "../../schema/PlayerState.ts"
import { chapterAt } from "../../schema/Segments.ts"
import type { Substitution } from "../../schema/Track.ts"
import { clip, plural } from "../../schema/Wording.ts"
import { escape, loopLabel, progressBar, settingsLine, trackLine } from "./Render.ts"

/** What the message says beside the player's state: guild settings and how the track is played. */
export interface NowPlayingContext {
  /** The guild's autoplay setting: what comes after the last track. */
  readonly autoplay: boolean
  /** Set when another site plays the current track in place of its own. */
  readonly substitution: Substitution | null
}

export const noContext: NowPlayingContext = { autoplay: false, substitution: null }

/**
 * The buttons: previous, pause, skip, stop and loop; then shuffle, the queue (a private paged view),
 * and 👍/👎, which rate the current track for whoever presses (`rate:up`, `rate:down`).
 */
export const nowPlayingButtons = (state: PlayerState) => [
  new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId("np:previous").setStyle(ButtonStyle.Secondary).setLabel("Previous")
      .setDisabled(state.queue.history.length === 0),
    new ButtonBuilder().setCustomId("np:toggle").setStyle(ButtonStyle.Primary).setLabel(state.paused ? "Resume" : "Pause"),
    new ButtonBuilder().setCustomId("np:skip").setStyle(ButtonStyle.Secondary).setLabel("Skip"),
    new ButtonBuilder().setCustomId("np:stop").setStyle(ButtonStyle.Danger).setLabel("Stop"),
    new ButtonBuilder().setCustomId("np:loop").setStyle(ButtonStyle.Secondary).setLabel(loopLabel[state.queue.loop])
  ),
  new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId("np:shuffle").setStyle(ButtonStyle.Secondary).setLabel("Shuffle"),
    new ButtonBuilder().setCustomId("np:queue").setStyle(ButtonStyle.Secondary).setLabel("Queue"),
    new ButtonBuilder().setCustomId("rate:up").setStyle(ButtonStyle.Secondary).setEmoji("👍"),
    new ButtonBuilder().setCustomId("rate:down").setStyle(ButtonStyle.Secondary).setEmoji("👎")
  )
]

/** "12 tracks · 48:10", with the ones of unknown length counted apart. */
const queueSummary = (state: PlayerState): string => {
  const count = state.queue.upcoming.length
  if (count === 0) return "Empty"
  const { ms, unknown } = queueLength(state)
  const known = count === unknown ? "" : ` · ${formatMs(ms)}`
  return `${plural(count, "track")}${known}${unknown === 0 || count === unknown ? "" : ` + ${unknown} of unknown length`}`
}

const upNext = (state: PlayerState, context: NowPlayingContext): string => {
  const next = state.queue.upcoming[0]
  if (next !== undefined) return trackLine(next.track)
  if (state.queue.loop === "queue" && state.queue.history.length > 0) return "The queue again, from the top"
  return context.autoplay ? "Autoplay picks something related" : "Nothing: add more with `/play`"
}

/**
 * The now-playing message: artwork, the linked title and artist, progress, who asked, what comes
 * next and how long the queue runs, the sound and loop settings, and the buttons.
 */
export const nowPlayingMessage = (
  state: PlayerState,
  nowMs: number,
  context: NowPlayingContext = noContext
): BaseMessageOptions => {
  const current = state.queue.current
  if (current === null) {
    return {
      content: "",
      embeds: [new EmbedBuilder().setTitle("Nothing playing").setDescription("Use `/play` to start the music.")],
      components: []
    }
  }
  const via = context.substitution === null
    ? ""
    : `\nFrom ${context.substitution.to} instead: ${context.substitution.from} isn't available right now.`
  const positionMs = positionNow(state, nowMs)
  const embed = new EmbedBuilder()
    .setTitle(state.paused ? "Paused" : "Now playing")
    .setDescription(`${trackLine(current.track)}\n${progressBar(positionMs, current.track)}${via}`)
    .addFields(
      { name: "Requested by", value: `<@${current.track.requester}>`, inline: true },
      { name: "Up next", value: upNext(state, context), inline: true },
      { name: "Queue", value: queueSummary(state), inline: true }
    )
    .setFooter({ text: `${settingsLine(state)} · Autoplay: ${context.autoplay ? "on" : "off"}` })
  const chapter = chapterAt(current.track.chapters, positionMs)
  if (chapter !== null) {
    embed.addFields({ name: "Chapter", value: `${escape(clip(chapter.title, 100))} (${formatMs(chapter.startMs)})`, inline: true })
  }
  if (current.track.artworkUrl !== null) embed.setThumbnail(current.track.artworkUrl)
  return { content: "", embeds: [embed], components: nowPlayingButtons(state) }
}

/** The final look of a now-playing message once the player has left. */
export const finishedMessage = (reason: string): BaseMessageOptions => ({
  content: "",
  embeds: [new EmbedBuilder().setTitle("Stopped").setDescription(reason)],
  components: []
})
