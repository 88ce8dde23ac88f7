import { Clock, Duration, Effect } from "effect"
import { realpath, readdir, stat } from "node:fs/promises"
import * as NodePath from "node:path"
import type { Playable } from "../../audio/Playable.ts"
import { AUDIO_EXTENSIONS, fileTitle } from "../AudioFiles.ts"
import { probe } from "../Probe.ts"
import type { Query } from "../Query.ts"
import type { ResolvedInfo, TrackInfo } from "../Resolution.ts"
import { Failed, NotFound, Rejected, type ResolveError, resolveError, SourceDisabled } from "../ResolveError.ts"
import { type ClaimAnswer, pass, refuse, type Source, type SourceDeps, take } from "../Source.ts"

const normalize = (s: string) => s.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, " ").trim()

const MAX_FILES = 50_000

/** Files under MUSIC_DIR, asked for with `local:` and a name or a path inside it. */
export interface LocalLibrary extends Source {
  readonly enabled: boolean
  readonly search: (name: string, limit: number) => Effect.Effect<ReadonlyArray<TrackInfo>, ResolveError>
  readonly resolve: (name: string) => Effect.Effect<ResolvedInfo, ResolveError>
  /** The absolute, symlink-free path of a library file; refuses anything outside MUSIC_DIR. */
  readonly resolvePath: (relative: string) => Effect.Effect<string, ResolveError>
}

export const make = (deps: Pick<SourceDeps, "spawner" | "settings"> & {
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
      .filter((f) => AUDIO_EXTENSIONS.includes(NodePath.extname(f).toLowerCase()))
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

  // First in the registry: `local:` decides before anything reads the rest as a link or words.
  const claim = (query: Query): ClaimAnswer => {
    if (!/^local:/i.test(query.text)) return pass
    const name = query.text.slice("local:".length).trim()
    if (name === "" || name.length > deps.settings.queryMaxLength) return refuse("Give the name of a file in the music library.")
    return take({ key: `local:${name.toLowerCase()}`, resolve: () => resolve(name) })
  }

  return { name: "local", claim, kinds: ["local"], playable, enabled: root !== null, search, resolve, resolvePath }
}
