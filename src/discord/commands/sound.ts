/** How it sounds: /volume, /effects, /eq (DJ only). */
import type { ChatInputCommandInteraction } from "discord.js"
import { Effect, Schema } from "effect"
import { EffectName, EqPreset, Volume } from "../../../schema/Effects.ts"
import { SetEffects, SetVolume } from "../../../schema/PlayerCommand.ts"
import { EQ_PRESETS } from "../../audio/EffectCatalog.ts"
import { PlayerRegistry } from "../../player/PlayerRegistry.ts"
import { authorize, decodeOptions, ids, respond } from "../Interaction.ts"
import { guildCommand, type SlashCommand } from "./Command.ts"


const VolumeOptions = Schema.Struct({ level: Volume })

export const volume: SlashCommand = {
  data: guildCommand("volume", "Set the volume")
    .addIntegerOption((o) =>
      o.setName("level").setDescription("0 to 200 percent").setMinValue(0).setMaxValue(200).setRequired(true)
    )
    .toJSON(),
  run: Effect.fn("Commands.volume")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(VolumeOptions, interaction)
    yield* authorize("dj", interaction)
    const { guildId, userId } = ids(interaction)
    const command = new SetVolume({ volume: options.level, requester: userId })
    const reply = yield* (yield* PlayerRegistry).send(guildId, command)
    yield* respond(interaction, { content: `Volume set to ${reply.volume}%.` })
  })
}

const EffectsOptions = Schema.Struct({ name: Schema.Union([EffectName, Schema.Literal("off")]) })

export const effects: SlashCommand = {
  data: guildCommand("effects", "Turn a sound effect on or off")
    .addStringOption((o) =>
      o.setName("name").setDescription("The effect to toggle, or off for none").setRequired(true).addChoices(
        ...[...EffectName.literals, "off" as const].map((name) => ({ name, value: name }))
      )
    )
    .toJSON(),
  run: Effect.fn("Commands.effects")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(EffectsOptions, interaction)
    const s = yield* authorize("dj", interaction)
    const { guildId, userId } = ids(interaction)
    const active = s.state.effects
    const name = options.name
    const next = name === "off"
      ? []
      : active.includes(name)
      ? active.filter((e) => e !== name)
      : [...active, name]
    const reply = yield* (yield* PlayerRegistry).send(
      guildId,
      new SetEffects({ effects: next, equalizer: s.state.equalizer, normalize: s.state.normalize, requester: userId })
    )
    yield* respond(interaction, {
      content: reply.effects.length === 0 ? "No effects are on." : `Effects on: ${reply.effects.join(", ")}.`
    })
  })
}

const EqOptions = Schema.Struct({ preset: EqPreset })

export const eq: SlashCommand = {
  data: guildCommand("eq", "Choose an equalizer preset")
    .addStringOption((o) =>
      o.setName("preset").setDescription("The preset").setRequired(true).addChoices(
        ...EqPreset.literals.map((name) => ({ name, value: name }))
      )
    )
    .toJSON(),
  run: Effect.fn("Commands.eq")(function*(interaction: ChatInputCommandInteraction<"cached">) {
    const options = yield* decodeOptions(EqOptions, interaction)
    const s = yield* authorize("dj", interaction)
    const { guildId, userId } = ids(interaction)
    yield* (yield* PlayerRegistry).send(
      guildId,
      new SetEffects({
        effects: s.state.effects,
        equalizer: [...EQ_PRESETS[options.preset]],
        normalize: s.state.normalize,
        requester: userId
      })
    )
    yield* respond(interaction, { content: `Equalizer: ${options.preset}.` })
  })
}
