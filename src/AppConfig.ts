/**
 * The one place the configuration sections come together: each capability declares the
 * variables it reads next to its code, and this module decodes them all from one environment
 * (every bad variable reported at once, one line each, secrets never echoed) and hands each
 * capability its own settings.
 */
import type { Effect, Layer } from "effect"
import { FfmpegPipeline } from "./audio/FfmpegPipeline.ts"
import { type ConfigInvalid, decodeSections, type SettingsOf } from "./config/Environment.ts"
import { ConfigSections, type Section } from "./config/Section.ts"
import * as GatewaySettings from "./gateway/GatewaySettings.ts"
import * as HttpServer from "./http/HttpServer.ts"
import * as OAuth from "./http/OAuth.ts"
import * as LyricsSettings from "./lyrics/LyricsSettings.ts"
import * as Logging from "./observability/Logging.ts"
import * as Tracing from "./observability/Tracing.ts"
import * as Database from "./persistence/Database.ts"
import { PlayerRegistry } from "./player/PlayerRegistry.ts"
import * as RateLimits from "./resilience/RateLimits.ts"
import * as ResolveSettings from "./resolve/ResolveSettings.ts"
import * as SponsorBlockSettings from "./sponsorblock/SponsorBlockSettings.ts"
import * as Resume from "./control/Resume.ts"
import { DiscordVoice } from "./voice/DiscordVoice.ts"

export const sections = {
  discord: GatewaySettings.section,
  database: Database.section,
  http: HttpServer.section,
  login: OAuth.section,
  log: Logging.section,
  otel: Tracing.section,
  player: PlayerRegistry.section,
  voice: DiscordVoice.section,
  audio: FfmpegPipeline.section,
  sources: ResolveSettings.section,
  lyrics: LyricsSettings.section,
  sponsorBlock: SponsorBlockSettings.section,
  resume: Resume.section,
  rateLimits: RateLimits.section
}

export type AppConfig = SettingsOf<typeof sections>

/** Every variable Reprise reads; `.env.example` documents each (a test keeps the two in step). */
export const configKeys: ReadonlyArray<string> = Object.values(sections).flatMap((s) => s.keys)

/** `interactive` picks the default log format: pretty on a terminal, JSON otherwise. */
export const decodeConfig = (
  env: Readonly<Record<string, string | undefined>>,
  interactive: boolean
): Effect.Effect<AppConfig, ConfigInvalid> => decodeSections(sections, env, { interactive })

/** The decoded settings, for each capability's `layerConfig` to read its own. */
export const layer = (config: AppConfig): Layer.Layer<ConfigSections> =>
  ConfigSections.layer(
    (Object.keys(sections) as ReadonlyArray<keyof AppConfig>).map((name): readonly [Section<unknown>, unknown] => [
      sections[name],
      config[name]
    ])
  )
