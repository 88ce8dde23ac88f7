import { Context, type Duration } from "effect"
import { DurationText, withDefault } from "../config/Fields.ts"
import { section } from "../config/Section.ts"

export interface VoiceSettings {
  /** How long the bot stays in a voice channel nobody else is in. */
  readonly aloneTimeout: Duration.Duration
}

export class VoiceConfig extends Context.Service<VoiceConfig, VoiceSettings>()("reprise/voice/VoiceConfig") {
  static readonly section = section({
    fields: { VOICE_ALONE_TIMEOUT: DurationText.pipe(withDefault("2 minutes")) },
    build: (e): VoiceSettings => ({ aloneTimeout: e.VOICE_ALONE_TIMEOUT })
  })
}
