/**
 * Played tracks' audio kept on disk, so a replay starts from a file: no yt-dlp run, no network.
 * One entry per track id: `<hash>.audio` and `<hash>.json` (the track and how to play it, and the
 * links that resolved to it), named by a hash of the id, never by anything a user typed. A file is
 * downloaded to `<hash>.part` while the track first plays and renamed only once it is whole (its
 * `Content-Length`) and ffprobe reads it as audio of the track's length; the metadata is renamed
 * into place first, so a crash between the two leaves metadata without audio, which start-up
 * removes with every `.part`. The least recently played entries go once the folder is over its
 * bound.
 */
import { Clock, type Duration, Effect, Metric, Option, Schema, Semaphore } from "effect"
import type { ChildProcessSpawner } from "effect/process"
import { createHash } from "node:crypto"
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises"
import * as NodePath from "node:path"
import { Substitution, Track } from "../../schema/Track.ts"
import { isHttp } from "../audio/FfmpegArgs.ts"
import type { Playable } from "../audio/Playable.ts"
import type { Egress } from "../resilience/Egress.ts"
import { probe } from "./Probe.ts"
import type { TrackInfo } from "./Resolution.ts"

const hits = Metric.counter("reprise_audio_cache_hits_total", { description: "Plays served from the audio file cache" })
const misses = Metric.counter("reprise_audio_cache_misses_total", { description: "Plays of cacheable tracks not in the audio file cache" })
const fills = Metric.counter("reprise_audio_cache_fills_total", { description: "Tracks' audio written to the audio file cache" })
const evictions = Metric.counter("reprise_audio_cache_evictions_total", {
  description: "Audio file cache entries removed to stay within AUDIO_CACHE_MAX_BYTES"
})
const bytesGauge = Metric.gauge("reprise_audio_cache_bytes", { description: "Bytes of audio in the audio file cache" })

/** Why a track's audio was not kept; only ever logged, as the play itself goes on from the network. */
export class AudioCacheError extends Schema.TaggedError<AudioCacheError>()("AudioCacheError", {
  message: Schema.String
}) {}

const { requester: _requester, ...infoFields } = Track.fields
const EntryJson = Schema.fromJsonString(Schema.Struct({
  version: Schema.Literal(1),
  track: Schema.Struct(infoFields),
  codec: Schema.Literals(["webm-opus", "ogg-opus", "unknown"]),
  bytes: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Resolver keys (`url:…`) of links that resolved to this track. */
  links: Schema.Array(Schema.String),
  /** Set when the audio kept is another site's (the fallback's), so a replay still says so. */
  substitution: Schema.optionalKey(Substitution)
}))
type EntryJson = typeof EntryJson.Type
const decodeEntry = Schema.decodeUnknownEffect(EntryJson)
const encodeEntry = Schema.encodeSync(EntryJson)

interface Entry {
  readonly meta: EntryJson
  /** Epoch ms of the last play (the audio file's mtime on disk). */
  lastPlayed: number
}

export interface AudioCacheStats {
  readonly hits: number
  readonly misses: number
  readonly fills: number
  /** Downloads that were not kept (cut off, refused, not audio of the track's length). */
  readonly failures: number
  readonly evictions: number
  readonly entries: number
  readonly bytes: number
}

export interface AudioCache {
  /** The cached file of a track, if whole; taking it counts as a play. */
  readonly lookup: (track: TrackInfo) => Effect.Effect<Option.Option<Playable>>
  /** The cached track a link resolved to before. */
  readonly byLink: (key: string) => Effect.Effect<Option.Option<TrackInfo>>
  /** Remembers that the link `key` resolved to `track`, for `byLink` once its audio is kept. */
  readonly learn: (key: string, track: TrackInfo) => Effect.Effect<void>
  /**
   * A play that `lookup` did not serve: keeps `source`'s audio for `track` in the background (when
   * it is a finite remote file), unless it is kept or on its way already.
   */
  readonly fill: (track: TrackInfo, source: Playable) => Effect.Effect<void>
  readonly stats: Effect.Effect<AudioCacheStats>
}

/** Keeps nothing (no folder, or AUDIO_CACHE_MAX_BYTES=0). */
export const off: AudioCache = {
  lookup: () => Effect.succeed(Option.none()),
  byLink: () => Effect.succeed(Option.none()),
  learn: () => Effect.void,
  fill: () => Effect.void,
  stats: Effect.succeed({ hits: 0, misses: 0, fills: 0, failures: 0, evictions: 0, entries: 0, bytes: 0 })
}

/** Kinds whose audio is already a file on this machine. */
const onDisk: ReadonlySet<TrackInfo["kind"]> = new Set(["file", "local", "attachment"])

/**
 * Whether a play's audio is a finite remote file worth keeping: not a file here already, not a
 * live stream, not an HLS playlist (its segments are elsewhere).
 */
export const cacheable = (track: TrackInfo, source: Playable): boolean =>
  !onDisk.has(track.kind) && track.live !== true && !source.isLive && isHttp(source.input) &&
  !/\.m3u8$/i.test(URL.parse(source.input)?.pathname ?? "")

/** A playlist or a page is not audio, whatever its URL looked like. */
const audioType = (contentType: string | null): boolean => contentType === null || !/mpegurl|^text\/|json|xml/i.test(contentType)

/**
 * The entries to remove, least recently played first, until the rest fit in `maxBytes`.
 * Pure: the caller removes them.
 */
export const overflow = (
  entries: ReadonlyArray<{ readonly id: string; readonly bytes: number; readonly lastPlayed: number }>,
  maxBytes: number
): ReadonlyArray<string> => {
  let total = entries.reduce((sum, e) => sum + e.bytes, 0)
  const out: Array<string> = []
  for (const e of [...entries].sort((a, b) => a.lastPlayed - b.lastPlayed)) {
    if (total <= maxBytes) break
    out.push(e.id)
    total -= e.bytes
  }
  return out
}

/** How far a file's length may be from the track's before it is taken for a cut-off download. */
const lengthTolerance = (durationMs: number) => Math.max(3_000, durationMs * 0.03)

/**
 * Downloads at once. They share the link with the plays themselves (which stream the same audio
 * meanwhile), so a burst of new tracks in many guilds must not take all of it.
 */
const DOWNLOADS = 2

/** Links remembered for tracks not kept yet; a link is only worth its entry once the track plays. */
const PENDING_LINKS = 1000

export interface AudioCacheOptions {
  readonly dir: string
  readonly maxBytes: number
  /** The largest one track's file may be (MAX_TRACK_SIZE): a download past it stops there, and is no entry. */
  readonly entryMaxBytes?: number | undefined
  /** For one download, redirects included. */
  readonly downloadTimeout: Duration.Input
  readonly probeTimeout: Duration.Input
}

/**
 * The cache in `options.dir`, its index rebuilt from the folder (leftovers removed). Background
 * downloads are forked into the current scope, so closing it stops them (and removes their parts).
 * With `maxBytes` 0 it is `off`.
 */
export const make = Effect.fnUntraced(function*(
  options: AudioCacheOptions,
  deps: {
    readonly egress: Egress["Service"]
    readonly spawner: ChildProcessSpawner.ChildProcessSpawner["Service"]
  }
) {
  if (options.maxBytes <= 0) return off
  const dir = NodePath.resolve(options.dir)
  const entries = new Map<string, Entry>()
  const links = new Map<string, string>()
  const pending = new Map<string, Set<string>>()
  const filling = new Set<string>()
  const counts = { hits: 0, misses: 0, fills: 0, failures: 0, evictions: 0 }
  let total = 0
  const scope = yield* Effect.scope
  const downloads = yield* Semaphore.make(DOWNLOADS)

  const stem = (id: string) => NodePath.join(dir, createHash("sha256").update(id).digest("hex").slice(0, 40))
  const failed = (what: string) => (cause: unknown) => new AudioCacheError({ message: `${what}: ${String(cause)}` })
  const fs = <A>(what: string, run: () => Promise<A>) => Effect.tryPromise({ try: run, catch: failed(what) })
  const removePaths = (...paths: ReadonlyArray<string>) =>
    fs("removing files", () => Promise.all(paths.map((p) => rm(p, { force: true })))).pipe(
      Effect.catch((e) => Effect.logWarning("audio cache could not remove files", { paths, error: e.message }))
    )
  const removeFiles = (id: string) => removePaths(`${stem(id)}.audio`, `${stem(id)}.json`)

  const index = (entry: Entry) => {
    entries.set(entry.meta.track.id, entry)
    total += entry.meta.bytes
    for (const link of entry.meta.links) links.set(link, entry.meta.track.id)
  }
  const forget = (id: string) => {
    const entry = entries.get(id)
    if (entry === undefined) return
    entries.delete(id)
    total -= entry.meta.bytes
    for (const link of entry.meta.links) if (links.get(link) === id) links.delete(link)
  }

  const writeMeta = (meta: EntryJson) =>
    fs("writing the entry", async () => {
      const path = `${stem(meta.track.id)}.json`
      await writeFile(`${path}.part`, encodeEntry(meta))
      await rename(`${path}.part`, path)
    })

  const evict = Effect.gen(function*() {
    const over = overflow(Array.from(entries.values(), (e) => ({ id: e.meta.track.id, bytes: e.meta.bytes, lastPlayed: e.lastPlayed })), options.maxBytes)
    for (const id of over) {
      const entry = entries.get(id)!
      forget(id)
      yield* removeFiles(id)
      counts.evictions++
      yield* Metric.update(evictions, 1)
      yield* Effect.logInfo("audio cache evicted", { track: id, bytes: entry.meta.bytes, lastPlayedAt: new Date(entry.lastPlayed).toISOString() })
    }
    yield* Metric.update(bytesGauge, total)
  })

  // Start-up: whole entries back in the index (their last play is the audio's mtime); the rest removed.
  const ready = yield* Effect.gen(function*() {
    yield* fs("creating the folder", () => mkdir(dir, { recursive: true }))
    const listed = yield* fs("listing the folder", () => readdir(dir))
    const names = new Set(listed)
    for (const name of listed) {
      const path = NodePath.join(dir, name)
      if (!name.endsWith(".json")) {
        if (name.endsWith(".part") || !names.has(name.replace(/\.audio$/, ".json"))) yield* removePaths(path)
        continue
      }
      const audio = path.replace(/\.json$/, ".audio")
      const whole = yield* fs("reading an entry", () => readFile(path, "utf8")).pipe(
        Effect.flatMap((text) => Effect.mapError(decodeEntry(text), failed("decoding an entry"))),
        Effect.flatMap((meta) =>
          Effect.map(fs("reading an entry's audio", () => stat(audio)), (info) =>
            stem(meta.track.id) === path.replace(/\.json$/, "") && info.size === meta.bytes
              ? Option.some({ meta, lastPlayed: info.mtimeMs })
              : Option.none())
        ),
        Effect.orElseSucceed(() => Option.none<Entry>())
      )
      if (Option.isSome(whole)) index(whole.value)
      else yield* removePaths(path, audio)
    }
    yield* evict
    yield* Effect.logInfo("audio cache ready", { dir, entries: entries.size, bytes: total, maxBytes: options.maxBytes })
    return true
  }).pipe(
    // Without its folder the bot plays as it would without a cache, rather than failing each fill.
    Effect.catch((e) => Effect.as(Effect.logWarning("audio cache is off: its folder cannot be used", { dir, error: e.message }), false))
  )
  if (!ready) return off

  const lookup = (track: TrackInfo) =>
    Effect.gen(function*() {
      const entry = entries.get(track.id)
      const path = `${stem(track.id)}.audio`
      // What is on disk is checked at every play: a file changed or cut under the bot is not served.
      const whole = entry !== undefined &&
        (yield* Effect.promise(() => stat(path).then((s) => s.size === entry.meta.bytes, () => false)))
      if (entry === undefined || !whole) {
        if (entry !== undefined) {
          forget(track.id)
          yield* removeFiles(track.id)
          yield* Metric.update(bytesGauge, total)
          yield* Effect.logWarning("audio cache entry was damaged; removed", { track: track.id })
        }
        return Option.none<Playable>()
      }
      const now = yield* Clock.currentTimeMillis
      entry.lastPlayed = now
      // The mtime is the play time the index is rebuilt from after a restart.
      yield* fs("marking the play", () => utimes(path, now / 1000, now / 1000)).pipe(
        Effect.catch((e) => Effect.logWarning("audio cache could not mark a play; a restart will see it older", { track: track.id, error: e.message }))
      )
      counts.hits++
      yield* Metric.update(hits, 1)
      const { substitution } = entry.meta
      return Option.some<Playable>({
        input: path,
        httpHeaders: {},
        codec: entry.meta.codec,
        expiresAt: null,
        isLive: false,
        ...(substitution === undefined ? {} : { substitution })
      })
    })

  const byLink = (key: string) =>
    Effect.sync(() => {
      const id = links.get(key)
      return Option.map(Option.fromUndefinedOr(id === undefined ? undefined : entries.get(id)), (e): TrackInfo => e.meta.track)
    })

  const learn = (key: string, track: TrackInfo) =>
    Effect.suspend(() => {
      if (links.get(key) === track.id) return Effect.void
      const entry = entries.get(track.id)
      if (entry === undefined) {
        const known = pending.get(track.id) ?? new Set<string>()
        pending.delete(track.id)
        if (pending.size >= PENDING_LINKS) pending.delete(pending.keys().next().value!)
        pending.set(track.id, known.add(key))
        return Effect.void
      }
      const meta = { ...entry.meta, links: [...entry.meta.links, key] }
      entries.set(track.id, { meta, lastPlayed: entry.lastPlayed })
      links.set(key, track.id)
      return writeMeta(meta).pipe(Effect.catch((e) => Effect.logWarning("audio cache could not record a link", { track: track.id, error: e.message })))
    })

  const download = (track: TrackInfo, source: Playable) =>
    Effect.gen(function*() {
      const part = `${stem(track.id)}.part`
      const got = yield* Effect.acquireUseRelease(
        fs("creating the file", () => open(part, "w")),
        (file) =>
          deps.egress.download(
            source.input,
            { maxBytes: Math.min(options.maxBytes, options.entryMaxBytes ?? options.maxBytes), timeout: options.downloadTimeout, headers: source.httpHeaders, acceptsType: audioType },
            (chunk) => fs("writing the file", () => file.write(chunk)).pipe(Effect.asVoid)
          ),
        (file) => Effect.promise(() => file.close())
      ).pipe(Effect.mapError((e) => (e instanceof AudioCacheError ? e : new AudioCacheError({ message: e.message }))))
      const info = yield* probe(deps.spawner, part, { source: "cache", timeout: options.probeTimeout, network: false }).pipe(
        Effect.mapError((e) => new AudioCacheError({ message: `ffprobe did not read it: ${e.message}` }))
      )
      if (track.durationMs !== null && info.durationMs !== null && Math.abs(info.durationMs - track.durationMs) > lengthTolerance(track.durationMs)) {
        return yield* new AudioCacheError({ message: `it plays ${info.durationMs} ms of a ${track.durationMs} ms track` })
      }
      const meta: EntryJson = {
        version: 1,
        track,
        codec: info.codec,
        bytes: got.bytes,
        links: [...(pending.get(track.id) ?? [])],
        ...(source.substitution === undefined ? {} : { substitution: source.substitution })
      }
      yield* writeMeta(meta)
      yield* fs("renaming the file", () => rename(part, `${stem(track.id)}.audio`))
      pending.delete(track.id)
      index({ meta, lastPlayed: yield* Clock.currentTimeMillis })
      yield* Effect.logInfo("audio cache filled", { track: track.id, bytes: got.bytes, totalBytes: total })
      yield* evict
      // Counted once the bound holds again, so whoever sees the fill sees the folder within it.
      counts.fills++
      yield* Metric.update(fills, 1)
    }).pipe(
      Effect.onExit(() => removePaths(`${stem(track.id)}.part`)),
      // Free before it is counted, so a play that follows a failure can try again.
      Effect.ensuring(Effect.sync(() => filling.delete(track.id))),
      Effect.catch((e) =>
        Effect.andThen(
          Effect.sync(() => counts.failures++),
          Effect.logWarning("audio cache did not keep a track", { track: track.id, error: e.message })
        )
      ),
      Effect.withSpan("AudioCache.fill", { attributes: { "track.id": track.id } })
    )

  const fill = (track: TrackInfo, source: Playable) =>
    Effect.suspend(() => {
      if (!cacheable(track, source)) return Effect.void
      counts.misses++
      const started = entries.has(track.id) || filling.has(track.id)
        ? Effect.void
        : Effect.suspend(() => {
          filling.add(track.id)
          return Effect.asVoid(Effect.forkIn(downloads.withPermits(1)(download(track, source)), scope))
        })
      return Effect.andThen(Metric.update(misses, 1), started)
    })

  return {
    lookup,
    byLink,
    learn,
    fill,
    stats: Effect.sync(() => ({ ...counts, entries: entries.size, bytes: total }))
  } satisfies AudioCache
})
