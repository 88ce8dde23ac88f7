import { Client, Events, GatewayIntentBits } from "discord.js"
import { Cause, Context, Deferred, Effect, FiberSet, Layer, Option, Redacted, Ref, Schema } from "effect"
import { errorId } from "../observability/ErrorId.ts"
import { Readiness } from "../observability/Readiness.ts"
import * as Section from "../config/Section.ts"
import * as GatewaySettings from "./GatewaySettings.ts"
import * as Backoff from "../resilience/Backoff.ts"
import { checkedStrategy, type Rejected } from "./CheckedDispatches.ts"
import { AnswerWindows, bounded, rejectLate } from "./InteractionWindow.ts"

/** Discord answered 401: the token is wrong or was reset. Retrying cannot help. */
export class TokenInvalid extends Schema.TaggedClass<TokenInvalid>()("TokenInvalid", {}) {
  get message() {
    return "Discord rejected DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the Developer Portal " +
      "(Bot → Reset Token) into .env."
  }
}

/** Discord could not be reached or refused the connection for a reason that may pass. */
export class Unreachable extends Schema.TaggedClass<Unreachable>()("Unreachable", { detail: Schema.String }) {
  get message() {
    return `cannot reach Discord: ${this.detail}`
  }
}

/** The one error of the gateway connection. */
export class GatewayError extends Schema.TaggedError<GatewayError>()("GatewayError", {
  reason: Schema.Union([TokenInvalid, Unreachable])
}) {
  override get message(): string {
    return this.reason.message
  }
}

export type GatewayStatus = "connecting" | "ready" | "reconnecting"

const isTokenInvalid = (error: unknown) =>
  typeof error === "object" && error !== null && "code" in error && error.code === "TokenInvalid"

const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ""
  return `${error.message}${cause}`
}

/** A dispatch kept from discord.js, or one it threw on: a warning or an error with an id, then nothing. */
const logRejected = (rejected: Rejected) =>
  Effect.gen(function*() {
    const details = {
      errorId: yield* errorId,
      event: rejected.event,
      ...Option.match(rejected.interactionId, { onNone: () => ({}), onSome: (interactionId) => ({ interactionId }) })
    }
    if (rejected._tag === "Malformed") {
      return yield* Effect.logWarning("dropped a malformed gateway event", { ...details, problem: rejected.problem })
    }
    yield* Effect.logError("discord.js threw on a gateway event; dropped it", details, Cause.die(rejected.error))
  })

/**
 * The gateway connection: the discord.js client, logged in in the background so that the rest
 * of the program (HTTP, readiness) runs while Discord is unreachable. Transient failures are
 * retried with capped exponential backoff; a rejected token completes `fatal`. Voice, the guild
 * directory and the Discord edge all build on this one client.
 */
export class DiscordGateway extends Context.Service<DiscordGateway, {
  readonly client: Client
  readonly status: Effect.Effect<GatewayStatus>
  /** Completes when the gateway session is first ready (guilds, channels and voice states cached). */
  readonly ready: Effect.Effect<void>
  /** Fails when the client can never connect (an invalid token); never succeeds. */
  readonly fatal: Effect.Effect<never, GatewayError>
}>()("reprise/gateway/DiscordGateway") {
  /**
   * The client from its settings, logged in once `before` completes (the program waits for its
   * database: a command must not be taken before the guild's rules can be read); `/api/ready`
   * reports `discord` as not ready until the gateway session is up.
   */
  static readonly layerConfigAfter = (
    before: Effect.Effect<void>
  ): Layer.Layer<DiscordGateway, never, Section.ConfigSections | Readiness> => Layer.effect(
    DiscordGateway,
    Effect.gen(function*() {
      const config = yield* Section.settingsOf(GatewaySettings.section)
      const status = yield* Ref.make<GatewayStatus>("connecting")
      const fatal = yield* Deferred.make<never, GatewayError>()
      const ready = yield* Deferred.make<void>()
      // discord.js calls back outside any fiber: run there with this layer's services (its logger included).
      const runFork = yield* FiberSet.makeRuntime<never>()
      const windows = new AnswerWindows(Date.now)
      const deadline = (url: string) => windows.deadline(url)
      const client = yield* Effect.acquireRelease(
        Effect.sync(() =>
          new Client({
            intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
            ws: { buildStrategy: (manager) => checkedStrategy(manager, (rejected) => runFork(logRejected(rejected))) },
            rest: {
              retries: 1,
              // No answer to an interaction is sent or retried once Discord would refuse it (see InteractionWindow).
              rejectOnRateLimit: rejectLate(deadline, Date.now),
              makeRequest: bounded(deadline, Date.now),
              // discord.js waits 15 s for an answer by default: five times an interaction's whole window.
              // A REST call still unanswered after 5 s is given up (its caller logs it) rather than held.
              timeout: 5_000,
              ...Option.match(config.apiBase, { onNone: () => ({}), onSome: (api) => ({ api }) }),
              ...Option.match(config.cdnBase, { onNone: () => ({}), onSome: (cdn) => ({ cdn }) })
            }
          })
        ),
        (client) =>
          Effect.promise(() => client.destroy()).pipe(
            Effect.andThen(Effect.logInfo("disconnected from Discord")),
            Effect.withSpan("DiscordGateway.destroy")
          )
      )

      const setStatus = (next: GatewayStatus) => runFork(Ref.set(status, next))
      client.on(Events.ClientReady, (session) => {
        setStatus("ready")
        runFork(
          Effect.logInfo("connected to Discord", { user: session.user.tag, guilds: session.guilds.cache.size }).pipe(
            Effect.andThen(Deferred.succeed(ready, undefined))
          )
        )
      })
      client.on(Events.InteractionCreate, (interaction) => windows.open(interaction.token, interaction.createdTimestamp))
      client.on(Events.ShardResume, () => setStatus("ready"))
      client.on(Events.ShardReady, () => setStatus("ready"))
      client.on(Events.ShardReconnecting, () => setStatus("reconnecting"))
      client.on(Events.ShardDisconnect, () => setStatus("reconnecting"))

      const login = Effect.tryPromise({
        try: () => client.login(Redacted.value(config.token)),
        catch: (error) =>
          new GatewayError({ reason: isTokenInvalid(error) ? new TokenInvalid() : new Unreachable({ detail: describe(error) }) })
      }).pipe(Effect.withSpan("DiscordGateway.login"))

      const backoff = Backoff.backoff({ base: "1 second", max: config.loginBackoffMax })

      yield* before.pipe(
        Effect.andThen(login),
        Effect.tapError((error) =>
          error.reason._tag === "Unreachable"
            ? Effect.logWarning("cannot reach Discord; retrying", { reason: error.reason.detail })
            : Effect.void
        ),
        Effect.retry({ schedule: backoff, while: (error) => error.reason._tag === "Unreachable" }),
        Effect.catch((error) => Deferred.fail(fatal, error)),
        Effect.forkScoped
      )

      const readiness = yield* Readiness
      yield* readiness.register(
        "discord",
        Effect.flatMap(Ref.get(status), (current) => current === "ready" ? Effect.void : Effect.fail(current))
      )

      return DiscordGateway.of({
        client,
        status: Ref.get(status),
        ready: Deferred.await(ready),
        fatal: Deferred.await(fatal)
      })
    })
  )

  /** Logged in at once. */
  static readonly layerConfig = DiscordGateway.layerConfigAfter(Effect.void)
}
