import { Context, Schema } from "effect"
import { withDefault } from "../config/Fields.ts"
import { section } from "../config/Section.ts"

export interface AudioSettings {
  readonly ffmpegPath: string
  /** The linear gain that 100 % volume plays at (1 = the source's own level). */
  readonly referenceGain: number
}

export class AudioConfig extends Context.Service<AudioConfig, AudioSettings>()("reprise/audio/AudioConfig") {
  static readonly section = section({
    fields: {
      FFMPEG_PATH: Schema.NonEmptyString.pipe(withDefault("ffmpeg")),
      VOLUME_REFERENCE_GAIN: Schema.NumberFromString.check(
        Schema.isBetween({ minimum: 0.05, maximum: 1 }, { message: "must be a number between 0.05 and 1" })
      ).pipe(withDefault("0.25"))
    },
    build: (e): AudioSettings => ({ ffmpegPath: e.FFMPEG_PATH, referenceGain: e.VOLUME_REFERENCE_GAIN })
  })
}
