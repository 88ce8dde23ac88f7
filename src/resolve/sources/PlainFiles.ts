import { Effect } from "effect"
import type { Source } from "../Source.ts"

/**
 * Plain `file` tracks: only ever created by the bot itself (tests, fixtures), never from a query,
 * so their path is trusted and handed to FFmpeg as it is.
 */
export const source: Source = {
  name: "file",
  kinds: ["file"],
  playable: (track) => Effect.succeed({ input: track.location, httpHeaders: {}, codec: "unknown", expiresAt: null, isLive: false })
}
