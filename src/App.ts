import { NodeServices } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import * as AppConfig from "./AppConfig.ts"
import { FfmpegPipeline } from "./audio/FfmpegPipeline.ts"
import { ApiKeys } from "./control/ApiKeys.ts"
import { AuditTrail } from "./control/AuditTrail.ts"
import { Control } from "./control/Control.ts"
import { PlayHistory } from "./control/PlayHistory.ts"
import { Playlists } from "./control/Playlists.ts"
import * as Resume from "./control/Resume.ts"
import { Ratings } from "./control/Ratings.ts"
import { DiscordEdge } from "./discord/DiscordEdge.ts"
import { LiveLyrics } from "./discord/LiveLyrics.ts"
import { NowPlaying } from "./discord/NowPlaying.ts"
import * as SkipNotices from "./discord/SkipNotices.ts"
import { DiscordGateway } from "./gateway/DiscordGateway.ts"
import { GuildDirectory } from "./gateway/GuildDirectory.ts"
import * as HttpServer from "./http/HttpServer.ts"
import { Sessions } from "./http/Sessions.ts"
import { Lyrics } from "./lyrics/Lyrics.ts"
import * as Logging from "./observability/Logging.ts"
import { Readiness } from "./observability/Readiness.ts"
import * as Tracing from "./observability/Tracing.ts"
import { Uncaught } from "./observability/Uncaught.ts"
import { ApiKeyRepo } from "./persistence/ApiKeyRepo.ts"
import * as Database from "./persistence/Database.ts"
import { GuildSettingsRepo } from "./persistence/GuildSettingsRepo.ts"
import { AuditRepo } from "./persistence/AuditRepo.ts"
import { HistoryRepo } from "./persistence/HistoryRepo.ts"
import { SnapshotRepo } from "./persistence/SnapshotRepo.ts"
import { Writer } from "./persistence/Writer.ts"
import { PlaylistRepo } from "./persistence/PlaylistRepo.ts"
import { RatingsRepo } from "./persistence/RatingsRepo.ts"
import { SessionRepo } from "./persistence/SessionRepo.ts"
import { StatsRepo } from "./persistence/StatsRepo.ts"
import * as Autoplay from "./player/Autoplay.ts"
import { PlayerRegistry } from "./player/PlayerRegistry.ts"
import * as History from "./player/History.ts"
import * as Snapshots from "./player/Snapshots.ts"
import { RateLimits } from "./resilience/RateLimits.ts"
import { Resolver } from "./resolve/Resolver.ts"
import { SponsorBlock } from "./sponsorblock/SponsorBlock.ts"
import { DiscordVoice } from "./voice/DiscordVoice.ts"

/**
 * The whole program as one layer: the one place where the rooms are wired together.
 * Dependencies are built first and released last, so shutdown closes the HTTP server, stops the
 * Discord edge and saves every player's snapshot, then stops the players (leaving voice, killing
 * FFmpeg), drains the background writer, and closes the gateway connection, the database pool and
 * the embedded database.
 */
export const makeApp = (config: AppConfig.AppConfig) => {
  // The stores outlive the players: their last snapshots still reach the writer, which drains last.
  const stores = Layer.mergeAll(GuildSettingsRepo.layerSql, SnapshotRepo.layerSql, HistoryRepo.layerSql, Writer.layer())
  const players = PlayerRegistry.layerConfig.pipe(
    Layer.provide(Layer.merge(FfmpegPipeline.layerConfig, SponsorBlock.layerConfig)),
    Layer.provideMerge(stores)
  )
  const core = Layer.mergeAll(PlayHistory.layer, Ratings.layer(), ApiKeys.layer).pipe(
    Layer.provideMerge(Playlists.layerConfig),
    Layer.provideMerge(Control.layerConfig),
    Layer.provideMerge(AuditTrail.layer),
    Layer.provide([PlaylistRepo.layerSql, AuditRepo.layerSql, RatingsRepo.layerSql, StatsRepo.layerSql, ApiKeyRepo.layerSql])
  )
  const edge = Layer.mergeAll(DiscordEdge.layer, Autoplay.layer, Snapshots.layer, History.layer, Resume.layerConfig, SkipNotices.layer).pipe(
    // Live lyrics views end (their last edit made) while the core they read still runs.
    Layer.provideMerge(Layer.merge(LiveLyrics.layer(), Lyrics.layerConfig)),
    Layer.provideMerge(Layer.merge(NowPlaying.layer(), core)),
    Layer.provideMerge(Layer.merge(players, GuildDirectory.layer)),
    // The same stores as the players' (a layer is built once): the voice reads the 24/7 setting. The
    // resolver's egress proxy is the players' too: FFmpeg fetches through the guard ffprobe and yt-dlp do.
    Layer.provideMerge(
      Layer.merge(Resolver.layerConfig.pipe(Layer.provide(NodeServices.layer)), DiscordVoice.layerConfig.pipe(Layer.provide(stores)))
    )
  )
  // The HTTP API acts through the core: its server stops taking requests before anything else stops.
  return HttpServer.layerConfig.pipe(
    Layer.provide(Sessions.layer(config.login).pipe(Layer.provide(SessionRepo.layerSql))),
    Layer.provideMerge(edge),
    // Discord waits for the database (HTTP does not): no command is taken before the rules can be read.
    Layer.provideMerge(
      Layer.unwrap(
        Effect.gen(function*() {
          const database = yield* Database.DatabaseStatus
          return DiscordGateway.layerConfigAfter(database.ready)
        })
      )
    ),
    // Both edges count against the same budgets; with REDIS_URL, shared by every process.
    Layer.provideMerge(RateLimits.layerConfig),
    Layer.provideMerge(Database.layerConfig),
    Layer.provideMerge(Readiness.layer),
    // Built before the rest and released after it: an uncaught exception during shutdown is still logged.
    Layer.provideMerge(Uncaught.layer),
    Layer.provideMerge(AppConfig.layer(config)),
    Layer.provideMerge(Layer.merge(Logging.layer(config.log), Tracing.layer(config.otel)))
  )
}
