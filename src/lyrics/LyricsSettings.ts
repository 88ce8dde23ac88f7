import type { Duration } from "effect"
import { DurationText, HttpUrl, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"

/** Where lyrics come from, read once at start-up. */
export interface LyricsSettings {
  /** An LRCLIB server, without a trailing slash; nothing else is ever fetched for lyrics. */
  readonly apiBase: string
  /** Budget of one call to it. */
  readonly timeout: Duration.Duration
}

/** The lyrics' variables. */
export const section = Section.make({
  fields: {
    LYRICS_API_BASE: HttpUrl.pipe(withDefault("https://lrclib.net")),
    LYRICS_TIMEOUT: DurationText("1 minute").pipe(withDefault("5 seconds"))
  },
  build: (e): LyricsSettings => ({ apiBase: e.LYRICS_API_BASE.replace(/\/+$/, ""), timeout: e.LYRICS_TIMEOUT })
})
