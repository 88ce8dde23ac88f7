import { Clock, Effect } from "effect"
import * as NodePath from "node:path"
import type { Playable } from "../../audio/Playable.ts"
import { AUDIO_EXTENSIONS, fileTitle } from "../AudioFiles.ts"
import { probe } from "../Probe.ts"
import type { ResolvedInfo, TrackInfo } from "../Resolution.ts"
import { NotFound, Rejected, type ResolveError, resolveError } from "../ResolveError.ts"
import type { Source, SourceDeps } from "../Source.ts"

/** What Discord tells about an uploaded file. */
export interface AttachmentInput {
  readonly id?: string | undefined
  readonly url: string
  readonly filename: string
  readonly contentType: string | null
  readonly size: number
}

const ATTACHMENT_TYPES = /^(audio\/[a-z0-9.+-]+|video\/(mp4|webm|ogg|quicktime)|application\/ogg)(;.*)?$/i

/** Discord CDN links carry their expiry as `ex=<hex seconds>`. */
const attachmentExpiry = (url: string): number | null => {
  const ex = URL.parse(url)?.searchParams.get("ex")
  const seconds = ex === null || ex === undefined ? NaN : parseInt(ex, 16)
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null
}

export const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`

/** A file uploaded to the bot itself (the HTTP API, the dashboard) and kept on its disk. */
export interface StoredUpload {
  /** Where the bot keeps it: a path it made, never one a caller named. */
  readonly path: string
  readonly filename: string
  readonly contentType: string | null
  readonly size: number
}

/** Why an upload cannot be played, before anything is read of it; null when it may be. */
export const uploadRefusal = (
  a: Pick<AttachmentInput, "filename" | "contentType" | "size">,
  maxBytes: number
): string | null => {
  if (!(a.size > 0)) return "That file is empty."
  if (a.size > maxBytes) return `That file is ${mb(a.size)}; files up to ${mb(maxBytes)} can be played.`
  const ext = NodePath.extname(a.filename).toLowerCase()
  if (a.contentType === null || !ATTACHMENT_TYPES.test(a.contentType) || !AUDIO_EXTENSIONS.includes(ext)) {
    return `Only audio files can be played (${AUDIO_EXTENSIONS.join(" ")}); this one is ${a.contentType ?? "of unknown type"}.`
  }
  return null
}

/**
 * Files uploaded with /playfile (`resolve`: what Discord says of the upload; no query reaches
 * them) or to the bot's own API (`resolveStored`: a file it keeps, played as a `file` track).
 */
export interface AttachmentSource extends Source {
  /** Type and size are checked before anything is fetched. */
  readonly resolve: (attachment: AttachmentInput) => Effect.Effect<ResolvedInfo, ResolveError>
  readonly resolveStored: (upload: StoredUpload) => Effect.Effect<ResolvedInfo, ResolveError>
}

export const make = (deps: Pick<SourceDeps, "spawner" | "urls" | "settings" | "primePlayable" | "httpProxy">): AttachmentSource => {
  const { settings } = deps
  const reject = (message: string) => Effect.fail(resolveError("attachment", new Rejected({ message })))

  const resolve = Effect.fn("Attachments.resolve")(function*(a: AttachmentInput) {
    // Checked before anything is fetched: size and declared type, then extension.
    const refused = uploadRefusal(a, settings.attachmentMaxBytes)
    if (refused !== null) return yield* reject(refused)
    const url = yield* deps.urls.check("attachment", a.url)
    const info = yield* probe(deps.spawner, url.href, {
      source: "attachment",
      timeout: settings.httpTimeout,
      network: true,
      httpProxy: deps.httpProxy
    })
    const track: TrackInfo = {
      id: `attachment:${a.id ?? url.pathname}`,
      kind: "attachment",
      location: url.href,
      title: info.title ?? fileTitle(a.filename),
      author: info.artist,
      durationMs: info.durationMs,
      artworkUrl: null
    }
    yield* deps.primePlayable(track.id, {
      input: url.href,
      httpHeaders: {},
      codec: info.codec,
      expiresAt: attachmentExpiry(url.href),
      isLive: false
    })
    return { tracks: [track], playlist: null } satisfies ResolvedInfo
  })

  const playable = Effect.fn("Attachments.playable")(function*(track: TrackInfo) {
    const url = yield* deps.urls.check("attachment", track.location)
    const expiresAt = attachmentExpiry(url.href)
    const now = yield* Clock.currentTimeMillis
    if (expiresAt !== null && expiresAt <= now) {
      return yield* resolveError("attachment", new NotFound({ message: "That upload's link has expired; upload it again." }))
    }
    const info = yield* probe(deps.spawner, url.href, {
      source: "attachment",
      timeout: settings.httpTimeout,
      network: true,
      httpProxy: deps.httpProxy
    })
    return { input: url.href, httpHeaders: {}, codec: info.codec, expiresAt, isLive: false } satisfies Playable
  })

  const resolveStored = Effect.fn("Attachments.resolveStored")(function*(upload: StoredUpload) {
    const refused = uploadRefusal(upload, settings.attachmentMaxBytes)
    if (refused !== null) return yield* reject(refused)
    const info = yield* probe(deps.spawner, upload.path, { source: "attachment", timeout: settings.httpTimeout, network: false })
    const track: TrackInfo = {
      id: `upload:${NodePath.basename(upload.path)}`,
      kind: "file",
      location: upload.path,
      title: info.title ?? fileTitle(upload.filename),
      author: info.artist,
      durationMs: info.durationMs,
      artworkUrl: null
    }
    yield* deps.primePlayable(track.id, { input: upload.path, httpHeaders: {}, codec: info.codec, expiresAt: null, isLive: false })
    return { tracks: [track], playlist: null } satisfies ResolvedInfo
  })

  return { name: "attachment", kinds: ["attachment"], playable, resolve, resolveStored }
}
