import { NodeServices } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import type { Track } from "../schema/Track.ts"
import { ffmpegReadiness } from "./audio/FfmpegBinary.ts"
import { FfmpegPipeline } from "./audio/FfmpegPipeline.ts"
import { AppConfig, type AppConfigShape } from "./config/AppConfig.ts"
import { Control } from "./control/Control.ts"
import { DiscordEdge } from "./discord/DiscordEdge.ts"
import { NowPlaying } from "./discord/NowPlaying.ts"
import { DiscordGateway } from "./gateway/DiscordGateway.ts"
import { GuildDirectory } from "./gateway/GuildDirectory.ts"
import { layerHttpServer } from "./http/HttpServer.ts"
import { layerLogging } from "./observability/Logging.ts"
import { Readiness } from "./observability/Readiness.ts"
import { layerTracing } from "./observability/Tracing.ts"
import { layerDatabase } from "./persistence/Database.ts"
import { databaseReadiness } from "./persistence/DatabaseReadiness.ts"
import { GuildSettingsRepo } from "./persistence/GuildSettingsRepo.ts"
import { layerAutoplay } from "./player/Autoplay.ts"
import { countCommand } from "./player/PlayerMetrics.ts"
import { PlayerRegistry } from "./player/PlayerRegistry.ts"
import { Resolver } from "./resolve/Resolver.ts"
import { DiscordVoice } from "./voice/DiscordVoice.ts"

/**
 * The whole program as one layer. Dependencies are built first and released last, so
 * shutdown stops the Discord edge, then the players (leaving voice, killing FFmpeg), then
 * the HTTP server, the Discord client, the database pool and the embedded database.
 */
export const makeApp = (config: AppConfigShape) => {
  const database = databaseReadiness.pipe(Layer.provideMerge(layerDatabase()))
  const discord = DiscordGateway.readiness.pipe(Layer.provideMerge(DiscordGateway.layerConfig))
  const sources = Resolver.layerConfig.pipe(Layer.provide(NodeServices.layer))
  const players = Layer.unwrap(
    Effect.gen(function*() {
      const settings = yield* GuildSettingsRepo
      return PlayerRegistry.layer({
        idleWindow: config.player.idleTimeout,
        // A guild's stored rules apply when its player starts; the defaults stand in if the database fails.
        guildSettings: (guildId) =>
          settings.queue(guildId).pipe(
            Effect.catchCause((cause) =>
              Effect.as(Effect.logWarning("guild settings unavailable; using defaults", cause), {})
            )
          ),
        onCommand: countCommand
      })
    })
  ).pipe(
    Layer.provide(FfmpegPipeline.layerWith({ ffmpegPath: config.audio.ffmpegPath, referenceGain: config.audio.referenceGain }))
  )
  const autoplay = layerAutoplay(
    Effect.gen(function*() {
      const settings = yield* GuildSettingsRepo
      const resolver = yield* Resolver
      return {
        enabled: settings.autoplay,
        related: (after: Track, recentIds: ReadonlyArray<string>) => resolver.related(after, recentIds, after.requester)
      }
    })
  )
  const edge = Layer.merge(DiscordEdge.layer, autoplay).pipe(
    Layer.provideMerge(Layer.merge(NowPlaying.layer(), Control.layer)),
    Layer.provideMerge(Layer.mergeAll(players.pipe(Layer.provideMerge(GuildSettingsRepo.layerSql)), GuildDirectory.layer)),
    Layer.provideMerge(Layer.mergeAll(sources, DiscordVoice.layerConfig))
  )
  return Layer.mergeAll(edge, layerHttpServer, ffmpegReadiness).pipe(
    Layer.provideMerge(discord),
    Layer.provideMerge(database),
    Layer.provideMerge(Readiness.layer),
    Layer.provideMerge(AppConfig.layerFrom(config)),
    Layer.provideMerge(Layer.mergeAll(layerLogging(config.log), layerTracing(config.otel)))
  )
}
