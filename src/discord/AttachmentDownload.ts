import { Effect, Option } from "effect"
import { type DiscordApiFailure, discordCall } from "./Interaction.ts"

/** Discord's CDN answers at once; a download that takes longer is not coming. */
const downloadTimeoutMs = 15_000

/**
 * An uploaded file's text, read only as far as `maxBytes`: the length the CDN declares is
 * checked before the body is read, and the read stops as soon as it passes the bound (a
 * declared length can be wrong). None when the file is longer. A failed download is Discord's
 * failure, not the user's.
 */
export const downloadText = (url: string, maxBytes: number): Effect.Effect<Option.Option<string>, DiscordApiFailure> =>
  discordCall("download attachment", async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(downloadTimeoutMs) })
    if (!response.ok) {
      await response.body?.cancel()
      throw new Error(`the attachment's download answered HTTP ${response.status}`)
    }
    if (Number(response.headers.get("content-length") ?? "0") > maxBytes) {
      await response.body?.cancel()
      return Option.none()
    }
    const chunks: Array<Uint8Array> = []
    let length = 0
    for await (const chunk of response.body ?? []) {
      length += chunk.byteLength
      if (length > maxBytes) return Option.none()
      chunks.push(chunk)
    }
    return Option.some(Buffer.concat(chunks).toString("utf8"))
  })
