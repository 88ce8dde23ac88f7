/** How the play history and the audit log look in Discord. */
import { ActionRowBuilder, type BaseMessageOptions, EmbedBuilder, StringSelectMenuBuilder } from "discord.js"
import type { AuditPage } from "../control/AuditTrail.ts"
import type { HistoryPage } from "../control/PlayHistory.ts"
import type { PlaylistSummary } from "../control/Playlists.ts"
import type { Played } from "../persistence/HistoryRepo.ts"
import { named } from "./PlaylistRender.ts"
import { escape, pageButtons, trackLine, when } from "./Render.ts"
import { clip, plural } from "../../schema/Wording.ts"

const endings: Record<NonNullable<Played["endReason"]>, string> = {
  finished: "",
  skipped: " · skipped",
  stopped: " · stopped",
  failed: " · failed"
}

const playLine = (play: Played) => {
  const linked = trackLine({ ...play, author: null })
  // A 2000-character link would crowd ten lines past an embed's 4096: name it without linking.
  const line = linked.length <= 300 ? linked : trackLine({ ...play, author: null, location: "" })
  return `${line} · ${when(play.startedAt)} · <@${play.requester}>${play.endReason === null ? " · playing" : endings[play.endReason]}`
}

/**
 * The longest search `/history` accepts: page buttons carry it in their custom id
 * (`historypage:<search>:<page>`, at most 100 characters).
 */
export const maxHistorySearch = 80

/** One page of the history, with a menu to queue one of its tracks again and page buttons. */
export const historyMessage = (shown: HistoryPage): BaseMessageOptions & { readonly ephemeral: true } => {
  const { plays, page, pages, search } = shown
  const title = search === null ? "Recently played" : `Recently played matching "${clip(search, 60)}"`
  const embed = new EmbedBuilder()
    .setTitle(`${title} — page ${page} of ${pages}`)
    .setDescription(
      plays.length === 0
        ? search === null ? "Nothing has played here yet." : "Nothing that played here matches that."
        : plays.map(playLine).join("\n")
    )
    .setFooter({ text: "Pick a track below to queue it again; /history save keeps these as a playlist." })
  const menu = plays.length === 0 ? [] : [
    new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(
      new StringSelectMenuBuilder().setCustomId("history").setPlaceholder("Queue one again").addOptions(
        plays.map((play) => ({ label: clip(play.title, 100), value: String(play.id) }))
      )
    )
  ]
  return {
    content: "",
    embeds: [embed],
    components: [...menu, ...pageButtons(`historypage:${search ?? ""}`, page, pages)],
    ephemeral: true
  }
}

export const historySavedText = (playlist: PlaylistSummary) =>
  `Saved what played recently as ${named(playlist)} (${plural(playlist.trackCount, "track")}).`

/** A detail's values, shortly: `volume 80 · preset bass`. */
const detailText = (detail: Readonly<Record<string, unknown>>) =>
  Object.entries(detail)
    .filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([key, value]) => `${key} ${clip(typeof value === "string" ? value : JSON.stringify(value), 60)}`)
    .join(" · ")

export const auditMessage = (shown: AuditPage, filter: { readonly user: string | null; readonly action: string | null }) => {
  const lines = shown.entries.map((entry) => {
    const detail = detailText(entry.detail)
    return `${when(entry.at)} <@${entry.actorId}> **${entry.action}**${detail === "" ? "" : ` — ${escape(detail)}`}${
      entry.origin === "discord" ? "" : ` (via ${entry.origin})`
    }`
  })
  const by = [filter.user === null ? null : `by <@${filter.user}>`, filter.action === null ? null : `"${filter.action}"`]
    .filter((part) => part !== null)
  const embed = new EmbedBuilder()
    .setTitle(`Audit log — page ${shown.page} of ${shown.pages}`)
    .setDescription([...(by.length === 0 ? [] : [`Only ${by.join(", ")}.`]), ...(lines.length === 0 ? ["Nothing recorded yet."] : lines)].join("\n"))
  const buttons = pageButtons(`auditpage:${filter.user ?? ""}:${filter.action ?? ""}`, shown.page, shown.pages)
  return { content: "", embeds: [embed], components: buttons, ephemeral: true as const }
}
