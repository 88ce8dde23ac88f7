import { Effect, Option, Result } from "effect"
import type { ChildProcessSpawner } from "effect/process"
import type { SourceKind } from "../../schema/Track.ts"
import type { Playable } from "../audio/Playable.ts"
import { invalidQuery, parseQuery, type Query } from "./Query.ts"
import type { InfoBatch, ResolvedInfo, TrackInfo } from "./Resolution.ts"
import { type ResolveError, resolveError, Unsupported } from "./ResolveError.ts"
import type { ResolverSettings } from "./ResolveSettings.ts"
import type { SafeUrls } from "./SafeUrls.ts"
import type { SourceGuard } from "./SourceGuard.ts"
import type { YtDlp } from "./ytdlp/YtDlp.ts"

/** How one query is to be resolved, handed to the source that claimed it. */
export interface ResolveRequest {
  /** The playlist cap of this call, already bounded by MAX_PLAYLIST_SIZE. */
  readonly maxTracks: number
  /** Set when the caller streams: a source that finds a playlist piece by piece hands each batch here. */
  readonly onBatch?: ((batch: InfoBatch) => Effect.Effect<void>) | undefined
}

/** A query a source has taken on. */
export interface Claim {
  /** Identical queries share one resolution and one cached answer under this key. */
  readonly key: string
  /** True when `resolve` reads a playlist as it goes and calls `onBatch`: only then is a stream of batches worth it. */
  readonly inBatches?: boolean | undefined
  readonly resolve: (request: ResolveRequest) => Effect.Effect<ResolvedInfo, ResolveError>
}

/** A source's answer to a query: not mine (`pass`), mine (`take`), or mine but unusable (`refuse`). */
export type ClaimAnswer = Option.Option<Result.Result<Claim, ResolveError>>

export const pass: ClaimAnswer = Option.none()
export const take = (claim: Claim): ClaimAnswer => Option.some(Result.succeed(claim))
export const refuse = (message: string): ClaimAnswer => Option.some(Result.fail(invalidQuery(message)))

/**
 * One source of tracks: the queries it claims, the track kinds it makes playable, and how.
 * Sources are listed in src/resolve/sources/index.ts; the resolver dispatches through that list,
 * so a new source is a module and a line there (and its kind in schema/Track.ts if it is new).
 */
export interface Source {
  /** Names the source in errors, logs and spans. */
  readonly name: string
  /**
   * Whether the query is this source's. Queries are offered to the sources in the registry's
   * order and the first answer wins, so a source sees only what the ones before it passed on.
   * Absent for sources no query reaches (uploads, files the bot creates itself).
   */
  readonly claim?: ((query: Query) => ClaimAnswer) | undefined
  /** The track kinds whose `playable` this source answers; each kind belongs to one source. */
  readonly kinds: ReadonlyArray<SourceKind>
  /** What FFmpeg reads for a track of one of `kinds` (the resolver caches it). */
  readonly playable: (track: TrackInfo) => Effect.Effect<Playable, ResolveError>
}

/** What sources are built from; each takes the part it needs. */
export interface SourceDeps {
  readonly settings: ResolverSettings
  readonly ytdlp: YtDlp["Service"]
  readonly spawner: ChildProcessSpawner.ChildProcessSpawner["Service"]
  readonly urls: SafeUrls
  readonly guard: SourceGuard
  /** The egress proxy (EgressProxy.ts) ffprobe fetches network inputs through; none in tests of files. */
  readonly httpProxy: string | undefined
  /** Keeps a stream URL that came with the metadata, so `playable` need not ask for it again. */
  readonly primePlayable: (id: string, playable: Playable) => Effect.Effect<void>
  /** Injected for tests; the global fetch otherwise. */
  readonly fetch?: typeof globalThis.fetch | undefined
}

/** A claim and the source that made it. */
export interface Claimed extends Claim {
  readonly source: string
}

/** The claim of the first source in `sources` that answers `input`. */
export const claimQuery = (sources: ReadonlyArray<Source>, input: string): Effect.Effect<Claimed, ResolveError> =>
  Effect.suspend(() => {
    const query = parseQuery(input)
    if (Result.isFailure(query)) return Effect.fail(query.failure)
    for (const source of sources) {
      const answer = source.claim?.(query.success) ?? pass
      if (Option.isSome(answer)) return Effect.map(Effect.fromResult(answer.value), (claim) => ({ ...claim, source: source.name }))
    }
    return Effect.fail(resolveError("query", new Unsupported({ message: "No source can play that." })))
  })

/**
 * `playable` dispatched on the track's kind. Two sources claiming one kind is a wiring mistake,
 * so it fails the resolver's construction rather than letting one of them win silently.
 */
export const playableByKind = (
  sources: ReadonlyArray<Source>
): Effect.Effect<(track: TrackInfo) => Effect.Effect<Playable, ResolveError>> =>
  Effect.suspend(() => {
    const byKind = new Map<SourceKind, Source>()
    for (const source of sources) {
      for (const kind of source.kinds) {
        const other = byKind.get(kind)
        if (other !== undefined) return Effect.die(`both the ${other.name} and the ${source.name} source play ${kind} tracks`)
        byKind.set(kind, source)
      }
    }
    return Effect.succeed((track: TrackInfo) =>
      byKind.get(track.kind)?.playable(track) ??
        Effect.fail(resolveError(track.kind, new Unsupported({ message: `No source plays ${track.kind} tracks.` })))
    )
  })
