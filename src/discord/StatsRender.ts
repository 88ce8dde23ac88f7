/** How ratings and stats look in Discord: the private answer to a rating, and /stats as one embed. */
import { type BaseMessageOptions, EmbedBuilder } from "discord.js"
import type { GuildStats, RatingGiven, StatsPeriod, TrackRef } from "../control/Ratings.ts"
import { trackLine } from "./Render.ts"
import { plural } from "../../schema/Wording.ts"

export const ratedText = (given: RatingGiven): string =>
  `${given.rating === "up" ? "You liked" : "You disliked"} ${trackLine(given.track)}.`

const periodText: Readonly<Record<StatsPeriod, string>> = {
  day: "the last 24 hours",
  week: "the last 7 days",
  month: "the last 30 days",
  year: "the last 12 months",
  all: "all time"
}


/**
 * A track in a list. A link can be long: such a line names the track without linking it, so that
 * a list of five stays within an embed field's 1024 characters.
 */
const trackName = (track: TrackRef) => {
  const info = { title: track.title, location: track.location, author: null, durationMs: null }
  const linked = trackLine(info)
  return linked.length <= 170 ? linked : trackLine({ ...info, location: "" })
}

const list = <A>(items: ReadonlyArray<A>, line: (item: A) => string, none: string) =>
  items.length === 0 ? none : items.map((item, i) => `\`${i + 1}.\` ${line(item)}`).join("\n")

const score = (n: number) => (n > 0 ? `+${n}` : String(n))

/** The guild's stats for the period: four lists, or a kind word when nothing was played in it. */
export const statsMessage = (stats: GuildStats): BaseMessageOptions => {
  const when = periodText[stats.period]
  const embed = new EmbedBuilder().setTitle(`This server's music — ${when}`)
  if (stats.mostPlayed.length === 0) {
    embed.setDescription(
      stats.period === "all"
        ? "Nothing has been played here yet. Start something with `/play`, and the stats will fill up as you listen."
        : `Nothing has been played here in ${when}. Try a longer period, or start something with \`/play\`.`
    )
    return { content: "", embeds: [embed] }
  }
  embed.addFields(
    {
      name: "Most played",
      value: list(stats.mostPlayed, (t) => `${trackName(t)} — ${plural(t.count, "play", "plays")}`, "None yet.")
    },
    {
      name: "Best rated",
      value: list(
        stats.bestRated,
        (t) => `${trackName(t)} — ${score(t.score)} (${plural(t.ratings, "rating", "ratings")})`,
        "No ratings yet: press 👍 or 👎 under the now-playing message, or use `/rate`."
      )
    },
    {
      name: "Top requesters",
      value: list(stats.topRequesters, (r) => `<@${r.userId}> — ${plural(r.plays, "play", "plays")}`, "None yet.")
    },
    {
      name: "Most skipped",
      value: list(stats.mostSkipped, (t) => `${trackName(t)} — ${plural(t.count, "skip", "skips")}`, "Nothing was skipped.")
    }
  )
  return { content: "", embeds: [embed] }
}
