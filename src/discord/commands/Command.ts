import {
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  InteractionContextType,
  type MessageComponentInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  SlashCommandBuilder
} from "discord.js"
import { Effect, Schema } from "effect"
import type { Actor } from "../../control/Actor.ts"
import type { ApiKeys } from "../../control/ApiKeys.ts"
import { Control, type ControlError } from "../../control/Control.ts"
import type { AuditTrail } from "../../control/AuditTrail.ts"
import type { PlayHistory } from "../../control/PlayHistory.ts"
import type { Playlists } from "../../control/Playlists.ts"
import type { Ratings } from "../../control/Ratings.ts"
import {
  actorOf, type BadOptions, decodeOptions, defer, type DiscordApiFailure, type Reply, respond
} from "../Interaction.ts"
import type { Lyrics } from "../../lyrics/Lyrics.ts"
import type { LiveLyrics } from "../LiveLyrics.ts"
import type { NowPlaying } from "../NowPlaying.ts"

/**
 * The services handlers may use: the application core (with its stores, ratings, stats and API
 * keys), lyrics, and the edge's own now-playing message and live lyrics views.
 */
export type HandlerServices =
  | Control
  | Playlists
  | PlayHistory
  | AuditTrail
  | Ratings
  | ApiKeys
  | Lyrics
  | NowPlaying
  | LiveLyrics

/** What a handler may fail with: all but the last are shown to the user, the last is logged with an id. */
export type HandlerError = ControlError | BadOptions | DiscordApiFailure

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

/** What to play or add: a link or words to search for. */
export const Query = Schema.String.check(Schema.isTrimmed(), Schema.isNonEmpty(), Schema.isMaxLength(500))

/** An uploaded file, as Discord describes it (see `decodeOptions`). */
export const Attachment = Schema.Struct({
  id: Schema.optional(Schema.String),
  url: Schema.String,
  filename: Schema.String,
  contentType: Schema.NullOr(Schema.String),
  size: Schema.Number
})

const NoOptions = Schema.Struct({})

type Options = Schema.Top & { readonly DecodingServices: never }

/** What one slash command does, in the edge's three steps. */
export interface SlashSpec<S extends Options, A> {
  readonly data: RESTPostAPIChatInputApplicationCommandsJSONBody
  /** Decoded from the interaction's options; a bad value is answered before anything runs. */
  readonly options?: S | undefined
  /** Calls the application core. */
  readonly run: (
    control: Control["Service"],
    actor: Actor,
    options: S["Type"],
    interaction: ChatInputCommandInteraction<"cached">
  ) => Effect.Effect<A, HandlerError, HandlerServices>
  /** Turns the core's answer into the reply; null when `run` already said everything. */
  readonly render: (result: A, options: S["Type"]) => Reply | null
  /**
   * When the interaction is acknowledged. By default ("defer") it is deferred before `run`, in
   * public, or privately ("deferPrivately") for an answer only the asker sees: a command is applied
   * only once Discord has accepted its acknowledgement, so one that could not be acknowledged
   * changes nothing, and the user who tries again (a new interaction) does not apply it twice.
   * This costs a second call (the edit) and, for a refusal, a "thinking…" that gives way to the
   * private answer; an id-keyed retry would not help, since a retry is a new interaction.
   * "itself": `run` acknowledges once the request is allowed (`defer` as its `onAccepted`) or
   * changes nothing, and may answer in one call.
   */
  readonly acknowledge?: "defer" | "deferPrivately" | "itself" | undefined
  readonly autocomplete?: SlashCommand["autocomplete"]
}

/** A slash command: decode the options, call the core as the interaction's member, render the answer. */
export const slash = <S extends Options = typeof NoOptions, A = void>(spec: SlashSpec<S, A>): SlashCommand => {
  // Without options the schema is the empty struct, which is what S defaults to.
  const schema = (spec.options ?? NoOptions) as S
  return {
    data: spec.data,
    run: Effect.fn(`Commands.${spec.data.name}`)(function*(interaction: ChatInputCommandInteraction<"cached">) {
      const options = yield* decodeOptions(schema, interaction)
      if (spec.acknowledge !== "itself") yield* defer(interaction, { ephemeral: spec.acknowledge === "deferPrivately" })
      const result = yield* spec.run(yield* Control, actorOf(interaction), options, interaction)
      const reply = spec.render(result, options)
      if (reply !== null) yield* respond(interaction, reply)
    }),
    ...(spec.autocomplete === undefined ? {} : { autocomplete: spec.autocomplete })
  }
}
