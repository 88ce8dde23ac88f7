/**
 * The one place the configuration sections come together: each capability declares the
 * variables it reads next to its code, and this module decodes them all from one environment
 * (every bad variable reported at once, one line each, secrets never echoed) and hands each
 * capability its own settings.
 */
import { type Effect, Layer } from "effect"
import { AudioConfig } from "./audio/AudioConfig.ts"
import { type ConfigInvalid, decodeSections, type SettingsOf } from "./config/Environment.ts"
import { GatewayConfig } from "./gateway/GatewayConfig.ts"
import { HttpConfig } from "./http/HttpConfig.ts"
import * as Logging from "./observability/Logging.ts"
import * as Tracing from "./observability/Tracing.ts"
import { DatabaseConfig } from "./persistence/DatabaseConfig.ts"
import { PlayerConfig } from "./player/PlayerConfig.ts"
import { ResolveConfig } from "./resolve/ResolveSettings.ts"
import { VoiceConfig } from "./voice/VoiceConfig.ts"

export const sections = {
  discord: GatewayConfig.section,
  database: DatabaseConfig.section,
  http: HttpConfig.section,
  log: Logging.section,
  otel: Tracing.section,
  player: PlayerConfig.section,
  voice: VoiceConfig.section,
  audio: AudioConfig.section,
  sources: ResolveConfig.section
}

export type AppConfig = SettingsOf<typeof sections>

/** Every variable Reprise reads; `.env.example` documents each (a test keeps the two in step). */
export const configKeys: ReadonlyArray<string> = Object.values(sections).flatMap((s) => s.keys)

/** `interactive` picks the default log format: pretty on a terminal, JSON otherwise. */
export const decodeConfig = (
  env: Readonly<Record<string, string | undefined>>,
  interactive: boolean
): Effect.Effect<AppConfig, ConfigInvalid> => decodeSections(sections, env, { interactive })

/** Each capability's settings as its own service. */
export const layerConfig = (config: AppConfig) =>
  Layer.mergeAll(
    Layer.succeed(GatewayConfig, config.discord),
    Layer.succeed(DatabaseConfig, config.database),
    Layer.succeed(HttpConfig, config.http),
    Layer.succeed(PlayerConfig, config.player),
    Layer.succeed(VoiceConfig, config.voice),
    Layer.succeed(AudioConfig, config.audio),
    Layer.succeed(ResolveConfig, config.sources)
  )
