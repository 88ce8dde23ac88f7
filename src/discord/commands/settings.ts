/**
 * /settings [djrole] [nodj] [voteskip] [autoplay] [stay] [repost] [crossfade] [queuelimit] [playlistlimit]
 * [tracklimit] [duplicates] [djonly] [everyone] [sponsorblock]: Manage Server, or the DJ role once there is one.
 */
import { Schema, SchemaTransformation } from "effect"
import {
  CrossfadeSeconds,
  DjAction,
  djActions,
  type DjOnlyChange,
  maxCrossfadeSeconds,
  maxGuildLimit,
  maxTrackMinutes
} from "../../../schema/GuildRules.ts"
import { RoleId } from "../../../schema/Ids.ts"
import { formatMs } from "../../../schema/PlayerError.ts"
import { categoryText, SponsorCategory, sponsorCategories } from "../../../schema/Segments.ts"
import type { SettingsOutcome } from "../../control/Control.ts"
import { guildCommand, slash } from "./Command.ts"

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`

/** What each action group lets one do, as the choices and the answers say it. */
const groupText: Readonly<Record<DjAction, string>> = {
  pause: "pause and resume",
  seek: "seek",
  skip: "skip, jump ahead and go back",
  queue: "remove, move and shuffle tracks",
  loop: "loop",
  volume: "change the volume",
  effects: "change effects and the equalizer",
  stop: "stop and make me leave",
  clear: "clear the queue"
}

const crossfadeText = (seconds: number) =>
  seconds === 0 ? "Crossfade: off (tracks follow without a gap)" : `Crossfade: ${seconds} s between tracks that end on their own`

const limitText = (what: string, limit: number | null) =>
  limit === null ? `${what}: no limit of this server's own` : `${what}: at most ${limit} tracks`

/** 0 is how a slash command says "none": its options cannot be null. */
const limitOption = (value: number | undefined) => value === undefined ? undefined : value === 0 ? null : value

const GuildLimitOption = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: maxGuildLimit }))
const TrackLimitOption = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: maxTrackMinutes }))

const trackLimitText = (minutes: number | null) =>
  minutes === null ? "Tracks: no length limit of this server's own" : `Tracks: at most ${formatMs(minutes * 60_000)} long`

const words = (text: string) => text.toLowerCase().split(/[\s,]+/).filter((w) => w !== "")
const isOff = (text: string) => ["off", "none"].includes(text.trim().toLowerCase())

/** `off`, or SponsorBlock's names of the categories to skip, separated by commas or spaces. */
const SponsorBlockOption = Schema.String.check(
  Schema.makeFilter((text: string) => isOff(text) || (words(text).length > 0 && words(text).every(Schema.is(SponsorCategory))), {
    message: `must be off, or some of ${sponsorCategories.join(", ")}`
  })
).pipe(
  Schema.decodeTo(
    Schema.Array(SponsorCategory),
    SchemaTransformation.transform<ReadonlyArray<SponsorCategory>, string>({
      decode: (text) => isOff(text) ? [] : [...new Set(words(text).filter(Schema.is(SponsorCategory)))],
      encode: (categories) => categories.length === 0 ? "off" : categories.join(", ")
    })
  )
)

const skippedText = (categories: ReadonlyArray<SponsorCategory>) => categories.map((c) => categoryText[c]).join(", ")

/** What changed, one line each; the settings as they were when nothing changed. */
const settingsText = ({ applied, before }: SettingsOutcome): string => {
  const changes: Array<string> = []
  if (applied.djRole === null) changes.push("DJ rules are off: everyone can control the music.")
  else if (applied.djRole !== undefined) changes.push(`DJ role set to <@&${applied.djRole}>.`)
  if (applied.voteSkipRatio !== undefined) {
    changes.push(`Skipping by vote now needs more than ${percent(applied.voteSkipRatio)} of listeners.`)
  }
  if (applied.autoplay !== undefined) {
    changes.push(applied.autoplay ? "Autoplay is on: related tracks follow when the queue runs out." : "Autoplay is off.")
  }
  if (applied.stay !== undefined) {
    changes.push(
      applied.stay
        ? "24/7 is on: I stay in the voice channel when the queue ends or everyone leaves."
        : "24/7 is off: I leave when nothing plays for a while or nobody is listening."
    )
  }
  if (applied.repost !== undefined) {
    changes.push(
      applied.repost
        ? "Now playing is posted anew at the bottom of the channel for each track."
        : "Now playing is one message, kept up to date where it was posted."
    )
  }
  if (applied.crossfade !== undefined) {
    changes.push(
      applied.crossfade === 0
        ? "Crossfade is off: each track follows the last without a gap."
        : `Crossfade is ${applied.crossfade} s: a track that ends on its own fades into the next (a skip still cuts).`
    )
  }
  if (applied.maxQueueLength !== undefined) changes.push(`${limitText("Queue", applied.maxQueueLength)}.`)
  if (applied.maxPlaylistSize !== undefined) changes.push(`${limitText("Playlists", applied.maxPlaylistSize)}.`)
  if (applied.maxTrackMinutes !== undefined) changes.push(`${trackLimitText(applied.maxTrackMinutes)}.`)
  if (applied.allowDuplicates !== undefined) {
    changes.push(
      applied.allowDuplicates
        ? "A track already in the queue may be queued again."
        : "A track already in the queue can't be queued again."
    )
  }
  if (applied.sponsorBlock !== undefined) {
    changes.push(
      applied.sponsorBlock.length === 0
        ? "SponsorBlock is off: YouTube videos play whole."
        : `SponsorBlock: I skip the ${skippedText(applied.sponsorBlock)} parts of YouTube videos.`
    )
  }
  for (const action of djActions) {
    const djOnly = applied.djOnly?.[action]
    if (djOnly === true) changes.push(`Only DJs may ${groupText[action]}.`)
    else if (djOnly === false && action === "skip") changes.push("Anyone in my channel may skip again: by vote, or their own track at once.")
    else if (djOnly === false) changes.push(`Anyone in my channel may ${groupText[action]}.`)
  }
  if (changes.length > 0) return changes.join("\n")
  const kept = before.djActions.map((a) => groupText[a])
  return [
    before.djRoleId === null ? "DJ role: none (everyone is a DJ)" : `DJ role: <@&${before.djRoleId}>`,
    `Vote skip: more than ${percent(before.voteSkipRatio)} of listeners`,
    `Autoplay: ${before.autoplay ? "on" : "off"}`,
    `24/7: ${before.stay ? "on" : "off"}`,
    `Now playing: ${before.repost ? "posted anew for each track" : "one message, edited"}`,
    crossfadeText(before.crossfade),
    limitText("Queue", before.maxQueueLength),
    limitText("Playlists", before.maxPlaylistSize),
    trackLimitText(before.maxTrackMinutes),
    `Duplicates in the queue: ${before.allowDuplicates ? "allowed" : "refused"}`,
    `Only DJs may: ${kept.length === 0 ? "nothing (they still skip without a vote)" : kept.join("; ")}`,
    `SponsorBlock skips: ${before.sponsorBlock.length === 0 ? "nothing (off)" : skippedText(before.sponsorBlock)}`
  ].join("\n")
}

const groupChoices = djActions.map((a) => ({ name: `${a}: ${groupText[a]}`, value: a }))

/** The groups the options change; naming one in both keeps it for DJs. */
const djOnlyChange = (djonly: DjAction | undefined, everyone: DjAction | undefined): DjOnlyChange | undefined =>
  djonly === undefined && everyone === undefined
    ? undefined
    : { ...(everyone === undefined ? {} : { [everyone]: false }), ...(djonly === undefined ? {} : { [djonly]: true }) }

export const settings = slash({
  data: guildCommand("settings", "Show or change how I behave in this server")
    .addRoleOption((o) =>
      o.setName("djrole").setDescription("The DJ role: only DJs may stop, clear or change the sound")
    )
    .addBooleanOption((o) => o.setName("nodj").setDescription("Turn DJ rules off: everyone may control the music"))
    .addNumberOption((o) =>
      o.setName("voteskip").setDescription("Share of listeners a skip vote must exceed (0.5: a majority)")
        .setMinValue(0.05).setMaxValue(1)
    )
    .addBooleanOption((o) =>
      o.setName("autoplay").setDescription("When the queue runs out, keep playing related tracks")
    )
    .addBooleanOption((o) =>
      o.setName("stay").setDescription("24/7: stay in the voice channel when the queue ends or everyone leaves")
    )
    .addBooleanOption((o) =>
      o.setName("repost").setDescription("Post now playing anew at the bottom of the channel for each track")
    )
    .addIntegerOption((o) =>
      o.setName("crossfade").setDescription("Seconds a track fades into the next when it ends on its own (0: off)")
        .setMinValue(0).setMaxValue(maxCrossfadeSeconds)
    )
    .addIntegerOption((o) =>
      o.setName("queuelimit").setDescription("Most tracks the queue may hold (0: no limit of this server's own)")
        .setMinValue(0).setMaxValue(maxGuildLimit)
    )
    .addIntegerOption((o) =>
      o.setName("playlistlimit").setDescription("Most tracks a playlist may hold or load (0: no limit of this server's own)")
        .setMinValue(0).setMaxValue(maxGuildLimit)
    )
    .addIntegerOption((o) =>
      o.setName("tracklimit").setDescription("Longest track played, in minutes (0: no limit of this server's own)")
        .setMinValue(0).setMaxValue(maxTrackMinutes)
    )
    .addBooleanOption((o) =>
      o.setName("duplicates").setDescription("Whether a track already in the queue may be queued again")
    )
    .addStringOption((o) =>
      o.setName("djonly").setDescription("Keep these actions for DJs").addChoices(...groupChoices)
    )
    .addStringOption((o) =>
      o.setName("everyone").setDescription("Let anyone in my voice channel take these actions").addChoices(...groupChoices)
    )
    .addStringOption((o) =>
      o.setName("sponsorblock").setDescription("Parts of YouTube videos to skip, e.g. music_offtopic, sponsor, intro (off: none)")
        .setMaxLength(200)
    )
    .toJSON(),
  options: Schema.Struct({
    djrole: Schema.optional(RoleId),
    nodj: Schema.optional(Schema.Boolean),
    voteskip: Schema.optional(Schema.Number.check(Schema.isBetween({ minimum: 0.05, maximum: 1 }))),
    autoplay: Schema.optional(Schema.Boolean),
    stay: Schema.optional(Schema.Boolean),
    repost: Schema.optional(Schema.Boolean),
    crossfade: Schema.optional(CrossfadeSeconds),
    queuelimit: Schema.optional(GuildLimitOption),
    playlistlimit: Schema.optional(GuildLimitOption),
    tracklimit: Schema.optional(TrackLimitOption),
    duplicates: Schema.optional(Schema.Boolean),
    djonly: Schema.optional(DjAction),
    everyone: Schema.optional(DjAction),
    sponsorblock: Schema.optional(SponsorBlockOption)
  }),
  run: (control, actor, options, interaction) =>
    control.settings(actor, {
      djRole: options.nodj === true ? null : options.djrole,
      voteSkipRatio: options.voteskip,
      autoplay: options.autoplay,
      stay: options.stay,
      repost: options.repost,
      crossfade: options.crossfade,
      maxQueueLength: limitOption(options.queuelimit),
      maxPlaylistSize: limitOption(options.playlistlimit),
      maxTrackMinutes: limitOption(options.tracklimit),
      allowDuplicates: options.duplicates,
      djOnly: djOnlyChange(options.djonly, options.everyone),
      sponsorBlock: options.sponsorblock
    }),
  render: (outcome) => ({ content: settingsText(outcome), ephemeral: true }),
  acknowledge: "deferPrivately"
})
