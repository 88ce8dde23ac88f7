import type { Duration } from "effect"
import { DurationText, HttpUrl, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"

/** Where skip segments come from, read once at start-up. */
export interface SponsorBlockSettings {
  /** A SponsorBlock server, without a trailing slash; nothing else is ever asked for segments. */
  readonly apiBase: string
  /** Budget of one call to it: playback never waits for it, so it only bounds how late a skip can come. */
  readonly timeout: Duration.Duration
}

/** SponsorBlock's variables. */
export const section = Section.make({
  fields: {
    SPONSORBLOCK_API_BASE: HttpUrl.pipe(withDefault("https://sponsor.ajay.app")),
    SPONSORBLOCK_TIMEOUT: DurationText("1 minute").pipe(withDefault("2 seconds"))
  },
  build: (e): SponsorBlockSettings => ({
    apiBase: e.SPONSORBLOCK_API_BASE.replace(/\/+$/, ""),
    timeout: e.SPONSORBLOCK_TIMEOUT
  })
})
