/**
 * The Discord edge: registers the slash commands when they changed, routes every interaction
 * to its handler inside a span, and turns failures into answers. The handlers only decode,
 * call the application core and render.
 */
import { type ApplicationCommand, Events, type Interaction, MessageFlags } from "discord.js"
import { Cause, Effect, FiberSet, Layer, Option } from "effect"
import { DiscordGateway } from "../gateway/DiscordGateway.ts"
import * as Section from "../config/Section.ts"
import * as GatewaySettings from "../gateway/GatewaySettings.ts"
import { errorId as newErrorId } from "../observability/ErrorId.ts"
import { RateLimits } from "../resilience/RateLimits.ts"
import type { HandlerError, HandlerServices } from "./commands/Command.ts"
import { componentHandlers, slashCommands } from "./commands/index.ts"
import { redact } from "../observability/Redaction.ts"
import { answerable, answerPrivately, type CachedInteraction, discordCall } from "./Interaction.ts"

const byName = new Map(slashCommands.map((command) => [command.data.name, command]))
const byPrefix = new Map(componentHandlers.map((handler) => [handler.prefix, handler]))

/**
 * The commands whose registration differs from ours (names, descriptions, options in order),
 * plus any registered command we no longer have.
 */
export const changedCommands = (
  registered: ReadonlyArray<ApplicationCommand>,
  wanted: typeof slashCommands
): ReadonlyArray<string> => [
  ...wanted.filter((command) => {
    const existing = registered.find((r) => r.name === command.data.name)
    // The REST body is the API shape `equals` reads (snake_case keys). Builders leave keys set to
    // undefined (`nsfw`), which `equals` reads as "must be undefined": the JSON round trip drops them.
    const data: Parameters<ApplicationCommand["equals"]>[0] = JSON.parse(JSON.stringify(command.data))
    return existing === undefined || !existing.equals(data, true)
  }).map((command) => command.data.name),
  ...registered.filter((r) => !wanted.some((command) => command.data.name === r.name)).map((r) => r.name)
]

const sentence = (text: string) => {
  const trimmed = text.trim()
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1)
  return /[.!?]$/.test(capital) ? capital : `${capital}.`
}

/** The text for a failure the user can do something about; undefined for anything unexpected. */
const userMessage = (error: HandlerError): string | undefined => {
  switch (error._tag) {
    case "DiscordApiFailure":
      return undefined
    case "PlayerError":
      return error.reason._tag === "PlayerUnavailable"
        ? sentence(`${error.message}; try again in a moment`)
        : sentence(error.message)
    default:
      return sentence(error.message)
  }
}

const failed = (interaction: CachedInteraction, what: string) => (cause: Cause.Cause<HandlerError>) =>
  Effect.gen(function*() {
    if (Cause.hasInterruptsOnly(cause)) return
    const error = Cause.findErrorOption(cause)
    // Past its window Discord refuses any answer: trying only adds calls it will turn down.
    if (!(yield* answerable(interaction))) {
      return yield* Effect.logWarning("an interaction could no longer be answered", { what }, cause)
    }
    const message = Option.isSome(error) ? userMessage(error.value) : undefined
    // A refusal may quote what the user gave (a signed link): redacted as a log line would be.
    if (message !== undefined) return yield* answerPrivately(interaction, redact(message))
    // Unexpected: the log and the trace carry an id the user can quote.
    const errorId = yield* newErrorId
    yield* Effect.annotateCurrentSpan({ "error.id": errorId })
    yield* Effect.logError("interaction failed", { errorId, what }, cause)
    yield* answerPrivately(
      interaction,
      `Something went wrong on my side. If it keeps happening, tell whoever runs me this error id: \`${errorId}\`.`
    )
  }).pipe(Effect.catch((error) => Effect.logWarning("could not answer an interaction", error)))

/**
 * A slash command or a component counts against its user's budget; over it, the user is told
 * privately when to try again and nothing runs. Autocomplete never counts: Discord sends one
 * for every few keystrokes.
 */
const withinBudget = <R>(
  limits: RateLimits["Service"],
  interaction: CachedInteraction,
  run: Effect.Effect<void, HandlerError, R>
): Effect.Effect<void, HandlerError, R> =>
  limits.consume("command", interaction.user.id).pipe(
    Effect.matchEffect({
      onFailure: (limited) =>
        Effect.annotateCurrentSpan({ "rate_limited": true }).pipe(
          Effect.andThen(answerPrivately(interaction, limited.message))
        ),
      onSuccess: () => run
    })
  )

const route = (
  limits: RateLimits["Service"],
  interaction: Interaction
): Effect.Effect<void, never, HandlerServices> => {
  if (!interaction.inCachedGuild()) {
    return interaction.isRepliable()
      ? discordCall(
        "reply",
        () => interaction.reply({ content: "I only work in servers.", flags: MessageFlags.Ephemeral })
      ).pipe(Effect.ignore)
      : Effect.void
  }
  if (interaction.isAutocomplete()) {
    const command = byName.get(interaction.commandName)
    if (command?.autocomplete === undefined) return Effect.void
    return command.autocomplete(interaction).pipe(
      Effect.catch((error) => Effect.logWarning("autocomplete failed", error)),
      Effect.withSpan("DiscordEdge.autocomplete", {
        attributes: { ...spanIds(interaction), command: interaction.commandName }
      })
    )
  }
  if (interaction.isChatInputCommand()) {
    const command = byName.get(interaction.commandName)
    if (command === undefined) return Effect.void
    return withinBudget(limits, interaction, command.run(interaction)).pipe(
      Effect.catchCause(failed(interaction, `/${interaction.commandName}`)),
      Effect.withSpan("DiscordEdge.command", {
        attributes: { ...spanIds(interaction), command: interaction.commandName }
      })
    )
  }
  if (interaction.isMessageComponent()) {
    const [prefix = "", ...args] = interaction.customId.split(":")
    const handler = byPrefix.get(prefix)
    if (handler === undefined) return Effect.void
    return withinBudget(limits, interaction, handler.run(interaction, args)).pipe(
      Effect.catchCause(failed(interaction, interaction.customId)),
      Effect.withSpan("DiscordEdge.component", {
        attributes: { ...spanIds(interaction), "component.id": interaction.customId }
      })
    )
  }
  return Effect.void
}

const spanIds = (interaction: Interaction<"cached">) => ({
  "guild.id": interaction.guildId,
  "user.id": interaction.user.id
})

export const DiscordEdge = {
  /** Needs the DiscordGateway, its gateway settings, the rate limits and the handlers' services. */
  layer: Layer.effectDiscard(
    Effect.gen(function*() {
      const config = yield* Section.settingsOf(GatewaySettings.section)
      const { client } = yield* DiscordGateway
      const limits = yield* RateLimits
      const runFork = yield* FiberSet.makeRuntime<HandlerServices>()

      const register = Effect.gen(function*() {
        const application = client.application
        if (application === null) return
        const guildId = Option.getOrUndefined(config.guildId)
        const registered = yield* discordCall(
          "fetch commands",
          () => guildId === undefined ? application.commands.fetch() : application.commands.fetch({ guildId })
        )
        const data = slashCommands.map((command) => command.data)
        const changed = changedCommands([...registered.values()], slashCommands)
        if (changed.length === 0) {
          return yield* Effect.logInfo("slash commands are up to date", { count: data.length })
        }
        yield* discordCall(
          "register commands",
          () => guildId === undefined ? application.commands.set(data) : application.commands.set(data, guildId)
        )
        yield* Effect.logInfo("registered slash commands", {
          count: data.length,
          changed: changed.join(" "),
          guildId: guildId ?? "global"
        })
      }).pipe(
        Effect.catch((error) => Effect.logError("could not register the slash commands", error)),
        Effect.withSpan("DiscordEdge.registerCommands")
      )

      const onReady = () => runFork(register)
      const onInteraction = (interaction: Interaction) => runFork(route(limits, interaction))
      client.on(Events.ClientReady, onReady)
      client.on(Events.InteractionCreate, onInteraction)
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          client.off(Events.ClientReady, onReady)
          client.off(Events.InteractionCreate, onInteraction)
        })
      )
      // Login runs in the background: the client may have become ready before this layer was built.
      if (client.isReady()) onReady()

    })
  )
}
