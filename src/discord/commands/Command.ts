import {
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  InteractionContextType,
  type MessageComponentInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  SlashCommandBuilder
} from "discord.js"
import { type Effect, Schema } from "effect"
import type { PlayerError } from "../../../schema/PlayerError.ts"
import type { ResolveError } from "../../resolve/ResolveError.ts"
import type { Resolver } from "../../resolve/Resolver.ts"
import type { GuildSettingsRepo } from "../../persistence/GuildSettingsRepo.ts"
import type { PlayerRegistry } from "../../player/PlayerRegistry.ts"
import type { DiscordVoice } from "../../voice/DiscordVoice.ts"
import type { VoiceError } from "../../voice/VoiceOutput.ts"
import type { DiscordApiFailure, Refusal } from "../Interaction.ts"
import type { NowPlaying } from "../NowPlaying.ts"
import type { VoteSkips } from "../VoteSkips.ts"

/** The services handlers may use. */
export type HandlerServices =
  | PlayerRegistry
  | DiscordVoice
  | Resolver
  | GuildSettingsRepo
  | VoteSkips
  | NowPlaying

/** What a handler may fail with: the first four are shown to the user, the last is logged with an id. */
export type HandlerError = Refusal | PlayerError | ResolveError | VoiceError | DiscordApiFailure

export interface SlashCommand {
  readonly data: RESTPostAPIChatInputApplicationCommandsJSONBody
  readonly run: (
    interaction: ChatInputCommandInteraction<"cached">
  ) => Effect.Effect<void, HandlerError, HandlerServices>
  readonly autocomplete?: (
    interaction: AutocompleteInteraction<"cached">
  ) => Effect.Effect<void, DiscordApiFailure, HandlerServices>
}

/** Buttons and select menus: routed by the part of the custom id before the first `:`. */
export interface ComponentHandler {
  readonly prefix: string
  readonly run: (
    interaction: MessageComponentInteraction<"cached">,
    args: ReadonlyArray<string>
  ) => Effect.Effect<void, HandlerError, HandlerServices>
}

/** A guild-only slash command with its name and description; options are added by the caller. */
export const guildCommand = (name: string, description: string) =>
  new SlashCommandBuilder().setName(name).setDescription(description).setContexts(InteractionContextType.Guild)

/** A 1-based queue position or page number as users type it. */
export const Position = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100_000 }))
