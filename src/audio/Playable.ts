import type { Substitution } from "../../schema/Track.ts"

/**
 * What FFmpeg (or the passthrough demuxer) reads for one track: a file path or an
 * http(s) URL, with the headers the source demands. Track resolution (src/resolve) makes one per track.
 */
export interface Playable {
  /** A file path or an http(s) URL. */
  readonly input: string
  /** HTTP headers the stream URL needs (user agent, cookies); empty for files. */
  readonly httpHeaders: Readonly<Record<string, string>>
  /**
   * The container and codec when known. `webm-opus` and `ogg-opus` can be passed through
   * without re-encoding when nothing alters the sound.
   */
  readonly codec: "webm-opus" | "ogg-opus" | "unknown"
  /** Epoch milliseconds after which a stream URL stops working; null when it never expires. */
  readonly expiresAt: number | null
  /** Live streams cannot seek and have no duration. */
  readonly isLive: boolean
  /** Set when another site's stream plays in place of the track's own (the fallback), so listeners are told. */
  readonly substitution?: Substitution | undefined
}
