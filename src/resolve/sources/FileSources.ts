import { Clock, Duration, Effect } from "effect"
import type { ChildProcessSpawner } from "effect/process"
import { realpath, readdir, stat } from "node:fs/promises"
import * as NodePath from "node:path"
import type { Playable } from "../../audio/Playable.ts"
import type { ResolvedInfo, TrackInfo } from "../Resolution.ts"
import {
  Failed,
  NotFound,
  Rejected,
  type ResolveError,
  resolveError,
  SourceDisabled,
  Transient
} from "../ResolveError.ts"
import { probe } from "../Probe.ts"
import { DIRECT_EXTENSIONS } from "../Query.ts"
import type { ResolverSettings } from "../ResolveSettings.ts"
import type { SourceGuard } from "../SourceGuard.ts"
import type { SafeUrls } from "../SafeUrls.ts"

type Spawner = ChildProcessSpawner.ChildProcessSpawner["Service"]

const fileTitle = (path: string): string => {
  const base = decodeURIComponent(path.split("/").pop() ?? path)
  return base.replace(/\.[a-z0-9]{2,5}$/i, "").replace(/[_]+/g, " ").trim() || base
}

// ---------------------------------------------------------------------------------------------
// Direct http(s) audio files and HLS streams
// ---------------------------------------------------------------------------------------------

export interface DirectSource {
  readonly resolve: (url: string, hls: boolean) => Effect.Effect<ResolvedInfo, ResolveError>
  readonly playable: (track: TrackInfo) => Effect.Effect<Playable, ResolveError>
}

export const makeDirect = (deps: {
  readonly spawner: Spawner
  readonly urls: SafeUrls
  readonly guard: SourceGuard
  readonly settings: ResolverSettings
  readonly primePlayable: (id: string, playable: Playable) => Effect.Effect<void>
}): DirectSource => {
  const { settings } = deps
  const probeUrl = (url: URL) =>
    probe(deps.spawner, url.href, { source: "direct", timeout: settings.httpTimeout, network: true }).pipe(
      deps.guard.run({ source: "direct", key: `http:${url.host}`, label: url.host })
    )

  const resolve = Effect.fn("DirectSource.resolve")(function*(input: string, hls: boolean) {
    // Redirects are followed here, hop by hop through the guard, so ffprobe gets a checked URL.
    const head = yield* deps.urls.followRedirects("direct", input, settings.httpTimeout)
    if (head.status >= 400 && head.status !== 405) {
      return yield* resolveError(
        "direct",
        head.status >= 500 || head.status === 429
          ? new Transient({ message: `The file's server answered HTTP ${head.status}.`, detail: input })
          : new NotFound({ message: `The file could not be fetched (HTTP ${head.status}).` })
      )
    }
    const info = yield* probeUrl(head.url)
    const live = hls && info.durationMs === null
    const track: TrackInfo = {
      id: `http:${head.url.href}`,
      kind: "http",
      location: head.url.href,
      title: info.title ?? fileTitle(head.url.pathname),
      author: info.artist,
      durationMs: live ? null : info.durationMs,
      artworkUrl: null
    }
    yield* deps.primePlayable(track.id, { input: track.location, httpHeaders: {}, codec: info.codec, expiresAt: null, isLive: live })
    return { tracks: [track], playlist: null } satisfies ResolvedInfo
  })

  const playable = Effect.fn("DirectSource.playable")(function*(track: TrackInfo) {
    const url = yield* deps.urls.check("direct", track.location)
    const info = yield* probeUrl(url)
    return {
      input: url.href,
      httpHeaders: {},
      codec: info.codec,
      expiresAt: null,
      isLive: info.durationMs === null && /\.m3u8$/i.test(url.pathname)
    } satisfies Playable
  })

  return { resolve, playable }
}

// ---------------------------------------------------------------------------------------------
// Discord attachments (/playfile)
// ---------------------------------------------------------------------------------------------

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
export const attachmentExpiry = (url: string): number | null => {
  const ex = URL.parse(url)?.searchParams.get("ex")
  const seconds = ex === null || ex === undefined ? NaN : parseInt(ex, 16)
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null
}

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`

export const makeAttachments = (deps: {
  readonly spawner: Spawner
  readonly urls: SafeUrls
  readonly settings: ResolverSettings
  readonly primePlayable: (id: string, playable: Playable) => Effect.Effect<void>
}) => {
  const { settings } = deps
  const reject = (message: string) => Effect.fail(resolveError("attachment", new Rejected({ message })))

  const resolve = Effect.fn("Attachments.resolve")(function*(a: AttachmentInput) {
    // Checked before anything is fetched: size and declared type, then extension.
    if (!(a.size > 0)) return yield* reject("That file is empty.")
    if (a.size > settings.attachmentMaxBytes) {
      return yield* reject(`That file is ${mb(a.size)}; files up to ${mb(settings.attachmentMaxBytes)} can be played.`)
    }
    const ext = NodePath.extname(a.filename).toLowerCase()
    if (a.contentType === null || !ATTACHMENT_TYPES.test(a.contentType) || !(DIRECT_EXTENSIONS as ReadonlyArray<string>).includes(ext)) {
      return yield* reject(`Only audio files can be played (${DIRECT_EXTENSIONS.join(" ")}); this one is ${a.contentType ?? "of unknown type"}.`)
    }
    const url = yield* deps.urls.check("attachment", a.url)
    const info = yield* probe(deps.spawner, url.href, { source: "attachment", timeout: settings.httpTimeout, network: true })
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
    const info = yield* probe(deps.spawner, url.href, { source: "attachment", timeout: settings.httpTimeout, network: true })
    return { input: url.href, httpHeaders: {}, codec: info.codec, expiresAt, isLive: false } satisfies Playable
  })

  return { resolve, playable }
}

// ---------------------------------------------------------------------------------------------
// Local library under MUSIC_DIR
// ---------------------------------------------------------------------------------------------

const normalize = (s: string) => s.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, " ").trim()

const MAX_FILES = 50_000

export interface LocalLibrary {
  readonly enabled: boolean
  readonly search: (name: string, limit: number) => Effect.Effect<ReadonlyArray<TrackInfo>, ResolveError>
  readonly resolve: (name: string) => Effect.Effect<ResolvedInfo, ResolveError>
  /** The absolute, symlink-free path of a library file; refuses anything outside MUSIC_DIR. */
  readonly resolvePath: (relative: string) => Effect.Effect<string, ResolveError>
  readonly playable: (track: TrackInfo) => Effect.Effect<Playable, ResolveError>
}

export const makeLocalLibrary = (deps: {
  readonly spawner: Spawner
  readonly settings: ResolverSettings
  /** How long a directory listing is reused. */
  readonly listingTtl?: Duration.Input | undefined
}): LocalLibrary => {
  const root = deps.settings.musicDir
  const disabled = Effect.fail(
    resolveError("local", new SourceDisabled({ message: "The local music library is off (MUSIC_DIR is not set)." }))
  )
  const ioError = (cause: unknown) =>
    resolveError("local", new Failed({ message: "The music library could not be read.", detail: String(cause) }))
  const outside = resolveError("local", new Rejected({ message: "That path is outside the music library." }))

  const rootReal = root === null ? Effect.fail(ioError("no MUSIC_DIR")) : Effect.tryPromise({ try: () => realpath(root), catch: ioError })
  const ttl = Duration.toMillis(Duration.fromInputUnsafe(deps.listingTtl ?? "30 seconds"))
  let listing: { readonly at: number; readonly files: ReadonlyArray<string> } | null = null

  const files = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    if (listing !== null && now - listing.at < ttl) return listing.files
    const base = yield* rootReal
    // Node's recursive readdir does not descend into symlinked folders; symlinked files are
    // listed and checked again by resolvePath before they are played.
    const all = yield* Effect.tryPromise({ try: () => readdir(base, { recursive: true }), catch: ioError })
    const audio = all
      .filter((f) => (DIRECT_EXTENSIONS as ReadonlyArray<string>).includes(NodePath.extname(f).toLowerCase()))
      .slice(0, MAX_FILES)
      .map((f) => f.split(NodePath.sep).join("/"))
      .sort()
    listing = { at: now, files: audio }
    return audio
  })

  const toInfo = (rel: string): TrackInfo => ({
    id: `local:${rel}`,
    kind: "local",
    location: rel,
    title: fileTitle(rel),
    author: null,
    durationMs: null,
    artworkUrl: null
  })

  const resolvePath = Effect.fn("LocalLibrary.resolvePath")(function*(relative: string) {
    if (root === null) return yield* disabled
    const base = yield* rootReal
    if (relative.includes("\0")) return yield* outside
    const candidate = NodePath.resolve(base, relative)
    const inside = (p: string) => p === base || p.startsWith(base + NodePath.sep)
    // Checked before and after resolving symlinks: "../x" and a link pointing out are both refused.
    if (!inside(candidate)) return yield* outside
    const real = yield* Effect.tryPromise({ try: () => realpath(candidate), catch: () => "missing" as const }).pipe(
      Effect.catch(() =>
        Effect.fail(resolveError("local", new NotFound({ message: `"${relative}" is not in the music library.` })))
      )
    )
    if (!inside(real)) return yield* outside
    const st = yield* Effect.tryPromise({ try: () => stat(real), catch: ioError })
    if (!st.isFile()) return yield* resolveError("local", new NotFound({ message: `"${relative}" is not a file.` }))
    return real
  })

  const search = Effect.fn("LocalLibrary.search")(function*(name: string, limit: number) {
    if (root === null) return yield* disabled
    const q = normalize(name)
    const tokens = q.split(" ").filter((t) => t !== "")
    const scored: Array<{ readonly rel: string; readonly score: number }> = []
    for (const rel of yield* files) {
      const n = normalize(rel)
      if (!tokens.every((t) => n.includes(t))) continue
      const title = normalize(fileTitle(rel))
      scored.push({ rel, score: (title === q ? 100 : 0) + (title.startsWith(q) ? 10 : 0) - n.length / 1000 })
    }
    scored.sort((a, b) => b.score - a.score)
    return scored.slice(0, limit).map((s) => toInfo(s.rel))
  })

  const resolve = Effect.fn("LocalLibrary.resolve")(function*(name: string) {
    if (root === null) return yield* disabled
    // A path (as autocomplete suggests them) is taken literally, and checked.
    if (name.includes("/") || name.includes("\\") || name.startsWith(".")) {
      const real = yield* resolvePath(name)
      const base = yield* rootReal
      const rel = NodePath.relative(base, real).split(NodePath.sep).join("/")
      const info = yield* probe(deps.spawner, real, { source: "local", timeout: deps.settings.httpTimeout, network: false })
      return {
        tracks: [{ ...toInfo(rel), title: info.title ?? fileTitle(rel), author: info.artist, durationMs: info.durationMs }],
        playlist: null
      } satisfies ResolvedInfo
    }
    const [best] = yield* search(name, 1)
    if (best === undefined) {
      return yield* resolveError("local", new NotFound({ message: `Nothing in the music library matches "${name}".` }))
    }
    const real = yield* resolvePath(best.location)
    const info = yield* probe(deps.spawner, real, { source: "local", timeout: deps.settings.httpTimeout, network: false })
    return {
      tracks: [{ ...best, title: info.title ?? best.title, author: info.artist, durationMs: info.durationMs }],
      playlist: null
    } satisfies ResolvedInfo
  })

  const playable = Effect.fn("LocalLibrary.playable")(function*(track: TrackInfo) {
    const real = yield* resolvePath(track.location)
    const info = yield* probe(deps.spawner, real, { source: "local", timeout: deps.settings.httpTimeout, network: false })
    return { input: real, httpHeaders: {}, codec: info.codec, expiresAt: null, isLive: false } satisfies Playable
  })

  return { enabled: root !== null, search, resolve, resolvePath, playable }
}
