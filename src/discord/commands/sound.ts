/** How it sounds: /volume, /effects, /eq (DJ only). */
import { Schema } from "effect"
import { EffectName, EqPreset, Volume } from "../../../schema/Effects.ts"
import { guildCommand, slash } from "./Command.ts"

export const volume = slash({
  data: guildCommand("volume", "Set the volume")
    .addIntegerOption((o) =>
      o.setName("level").setDescription("0 to 200 percent").setMinValue(0).setMaxValue(200).setRequired(true)
    )
    .toJSON(),
  options: Schema.Struct({ level: Volume }),
  run: (control, actor, options) => control.setVolume(actor, options.level),
  render: (reply) => ({ content: `Volume set to ${reply.volume}%.` })
})

export const effects = slash({
  data: guildCommand("effects", "Turn a sound effect on or off")
    .addStringOption((o) =>
      o.setName("name").setDescription("The effect to toggle, or off for none").setRequired(true).addChoices(
        ...[...EffectName.literals, "off" as const].map((name) => ({ name, value: name }))
      )
    )
    .toJSON(),
  options: Schema.Struct({ name: Schema.Union([EffectName, Schema.Literal("off")]) }),
  run: (control, actor, options) => control.toggleEffect(actor, options.name),
  render: (reply) => ({
    content: reply.effects.length === 0 ? "No effects are on." : `Effects on: ${reply.effects.join(", ")}.`
  })
})

export const eq = slash({
  data: guildCommand("eq", "Choose an equalizer preset")
    .addStringOption((o) =>
      o.setName("preset").setDescription("The preset").setRequired(true).addChoices(
        ...EqPreset.literals.map((name) => ({ name, value: name }))
      )
    )
    .toJSON(),
  options: Schema.Struct({ preset: EqPreset }),
  run: (control, actor, options) => control.setEqualizer(actor, options.preset),
  render: (_, options) => ({ content: `Equalizer: ${options.preset}.` })
})
