/** /settings [djrole] [nodj] [voteskip] [autoplay] [stay]: Manage Server, or the DJ role once there is one. */
import { Schema } from "effect"
import { RoleId } from "../../../schema/Ids.ts"
import type { SettingsOutcome } from "../../control/Control.ts"
import { guildCommand, slash } from "./Command.ts"

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`

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
  if (changes.length > 0) return changes.join("\n")
  return [
    before.djRoleId === null ? "DJ role: none (everyone is a DJ)" : `DJ role: <@&${before.djRoleId}>`,
    `Vote skip: more than ${percent(before.voteSkipRatio)} of listeners`,
    `Autoplay: ${before.autoplay ? "on" : "off"}`,
    `24/7: ${before.stay ? "on" : "off"}`
  ].join("\n")
}

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
    .toJSON(),
  options: Schema.Struct({
    djrole: Schema.optional(RoleId),
    nodj: Schema.optional(Schema.Boolean),
    voteskip: Schema.optional(Schema.Number.check(Schema.isBetween({ minimum: 0.05, maximum: 1 }))),
    autoplay: Schema.optional(Schema.Boolean),
    stay: Schema.optional(Schema.Boolean)
  }),
  run: (control, actor, options) =>
    control.settings(actor, {
      djRole: options.nodj === true ? null : options.djrole,
      voteSkipRatio: options.voteskip,
      autoplay: options.autoplay,
      stay: options.stay
    }),
  render: (outcome) => ({ content: settingsText(outcome), ephemeral: true })
})
