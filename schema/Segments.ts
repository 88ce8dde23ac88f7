/**
 * Parts of a track: the chapters its source names, and the segments SponsorBlock's community
 * marked in a YouTube video (a sponsor read, an intro, talk in a music video). Shared by the
 * resolver, the player, the settings and every edge that shows them.
 */
import { Schema } from "effect"

/**
 * SponsorBlock's categories of segments that are skipped (its other categories, `poi_highlight`
 * and `chapter`, mark a point or a name rather than something to skip). `music_offtopic` is the
 * part of a music video that is not music.
 */
export const SponsorCategory = Schema.Literals([
  "sponsor",
  "selfpromo",
  "interaction",
  "intro",
  "outro",
  "preview",
  "music_offtopic",
  "filler"
])
export type SponsorCategory = typeof SponsorCategory.Type

export const sponsorCategories: ReadonlyArray<SponsorCategory> = SponsorCategory.literals

/** What a guild that never chose skips: only what is not music. */
export const defaultSponsorCategories: ReadonlyArray<SponsorCategory> = ["music_offtopic"]

/** Each category as a sentence names it: "Skipped a non-music part". */
export const categoryText: Readonly<Record<SponsorCategory, string>> = {
  sponsor: "sponsor",
  selfpromo: "self-promotion",
  interaction: "subscribe reminder",
  intro: "intro",
  outro: "outro",
  preview: "preview",
  music_offtopic: "non-music",
  filler: "filler"
}

const Millis = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** A stretch of a track to skip, in track time. */
export const Segment = Schema.Struct({
  startMs: Millis,
  endMs: Millis,
  category: SponsorCategory
})
export type Segment = typeof Segment.Type

/** A named part of a track, as its source lists them. */
export const Chapter = Schema.Struct({
  startMs: Millis,
  endMs: Millis,
  title: Schema.String
})
export type Chapter = typeof Chapter.Type

/** The chapter playing at `positionMs`, if the track has one there. */
export const chapterAt = (chapters: ReadonlyArray<Chapter> | undefined, positionMs: number): Chapter | null =>
  chapters?.find((c) => positionMs >= c.startMs && positionMs < c.endMs) ?? null

/** How long until the next chapter starts, from `positionMs`; null when none follows. */
export const untilNextChapter = (chapters: ReadonlyArray<Chapter> | undefined, positionMs: number): number | null => {
  const next = chapters?.find((c) => c.startMs > positionMs)
  return next === undefined ? null : next.startMs - positionMs
}
