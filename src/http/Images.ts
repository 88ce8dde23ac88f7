/**
 * The images the dashboard shows (server icons, a track's artwork) come through the bot: the page
 * loads nothing from another host, so a listener's browser never tells YouTube or Discord's CDN
 * who is looking. An image is fetched through the egress guard (a track's artwork URL is whatever
 * its source said), only when its bytes are a PNG, JPEG, GIF, WebP or AVIF image (never SVG, which
 * can carry script), at most 2 MiB, and kept for an hour; the same image asked for twice at once
 * is fetched once.
 */
import { Cache, Context, Duration, Effect, Exit, Layer, Schema } from "effect"
import * as Section from "../config/Section.ts"
import { Egress } from "../resilience/Egress.ts"
import { section as resolveSection } from "../resolve/ResolveSettings.ts"

export interface Image {
  readonly contentType: string
  readonly body: Uint8Array
}

/** The image could not be had; the message names the host, never the path or query. */
export class ImageUnavailable extends Schema.TaggedError<ImageUnavailable>()("ImageUnavailable", {
  message: Schema.String
}) {}

const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to))

/** The image type its first bytes say, whatever the server's header claimed. */
export const sniffImage = (bytes: Uint8Array): string | null => {
  if (bytes.length < 12) return null
  if (bytes[0] === 0x89 && ascii(bytes, 1, 4) === "PNG") return "image/png"
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg"
  if (ascii(bytes, 0, 4) === "GIF8") return "image/gif"
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return "image/webp"
  if (ascii(bytes, 4, 8) === "ftyp" && /^avi[fs]$/.test(ascii(bytes, 8, 12))) return "image/avif"
  return null
}

/** A header that cannot be an image is not worth downloading; a missing or generic one may still be. */
const mayBeImage = (contentType: string | null) =>
  contentType === null ||
  (/^(image\/|application\/octet-stream|binary\/octet-stream)/i.test(contentType) && !/svg/i.test(contentType))

export interface ImagesOptions {
  readonly maxBytes?: number | undefined
  /** How many images are kept. */
  readonly capacity?: number | undefined
}

export class Images extends Context.Service<Images, {
  readonly get: (url: string) => Effect.Effect<Image, ImageUnavailable>
}>()("reprise/http/Images") {
  static readonly layer = (options: ImagesOptions = {}) =>
    Layer.effect(
      Images,
      Effect.gen(function*() {
        const egress = yield* Egress
        const maxBytes = options.maxBytes ?? 2 * 1024 * 1024
        const fetchImage = (url: string) =>
          egress.get(url, { maxBytes, timeout: "10 seconds", accept: "image/*", acceptsType: mayBeImage }).pipe(
            Effect.mapError((error) => new ImageUnavailable({ message: error.message })),
            Effect.flatMap((fetched) => {
              const contentType = sniffImage(fetched.body)
              return contentType === null
                ? Effect.fail(new ImageUnavailable({ message: `${fetched.url.host} did not answer with an image.` }))
                : Effect.succeed({ contentType, body: fetched.body } satisfies Image)
            }),
            Effect.tapError((error) => Effect.logDebug("image not fetched", { reason: error.message }))
          )
        const cache = yield* Cache.makeWith(fetchImage, {
          capacity: options.capacity ?? 32,
          // A failure is asked again after a minute: the host may have been down for a moment.
          timeToLive: (exit) => Exit.isSuccess(exit) ? Duration.hours(1) : Duration.minutes(1)
        })
        return Images.of({ get: (url) => Cache.get(cache, url) })
      })
    )

  /** Fetched under the sources' rule on private addresses (SOURCES_ALLOW_PRIVATE_NETWORK). */
  static readonly layerConfig = Layer.unwrap(
    Effect.map(
      Section.settingsOf(resolveSection),
      (settings) => Images.layer().pipe(Layer.provide(Egress.layer({ allowPrivateNetwork: settings.allowPrivateNetwork })))
    )
  )
}
