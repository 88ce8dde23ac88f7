/**
 * Ratings and stats as use-cases. Anyone in the guild may rate what plays now (👍 or 👎, one
 * rating per member and track, the latest one standing) and look at the guild's stats. A rating
 * is handed to the background writer, so it never waits on the database; stats read it, within a
 * time box, and a database that does not answer is a refusal of stats alone.
 */
import { Clock, Context, Duration, Effect, Layer } from "effect"
import type { StatsPeriod } from "../../schema/Rating.ts"
import type { Track } from "../../schema/Track.ts"
import { type Rating, RatingsRepo } from "../persistence/RatingsRepo.ts"
import {
  type RequesterTally,
  StatsRepo,
  type StatsWindow,
  type TrackScore,
  type TrackTally
} from "../persistence/StatsRepo.ts"
import { Writer } from "../persistence/Writer.ts"
import type { Actor } from "./Actor.ts"
import { AuditTrail } from "./AuditTrail.ts"
import { Control } from "./Control.ts"
import { NothingToRate, type Refusal, refusal, StatsUnavailable } from "./Refusal.ts"
import { stored } from "./Stored.ts"

export { Rating } from "../persistence/RatingsRepo.ts"
export {
  type RequesterTally,
  statsListLength,
  type TrackRef,
  type TrackScore,
  type TrackTally
} from "../persistence/StatsRepo.ts"

export { StatsPeriod } from "../../schema/Rating.ts"

const periodDays: Readonly<Record<Exclude<StatsPeriod, "all">, number>> = { day: 1, week: 7, month: 30, year: 365 }

/** The start of the period's window for `nowMs` (null: no start). */
export const periodStart = (period: StatsPeriod, nowMs: number): Date | null =>
  period === "all" ? null : new Date(nowMs - periodDays[period] * Duration.toMillis(Duration.days(1)))

export interface RatingGiven {
  readonly track: Track
  readonly rating: Rating
}

export interface GuildStats {
  readonly period: StatsPeriod
  readonly mostPlayed: ReadonlyArray<TrackTally>
  readonly bestRated: ReadonlyArray<TrackScore>
  readonly topRequesters: ReadonlyArray<RequesterTally>
  readonly mostSkipped: ReadonlyArray<TrackTally>
}

export interface RatingsOptions {
  /** How long stats may take before they are refused as unavailable. Default 3 seconds. */
  readonly statsTimeout?: Duration.Input | undefined
}

export class Ratings extends Context.Service<Ratings, {
  /** Rates the guild's current track for the caller; refused when nothing plays. */
  readonly rate: (actor: Actor, rating: Rating) => Effect.Effect<RatingGiven, Refusal>
  readonly stats: (actor: Actor, period: StatsPeriod) => Effect.Effect<GuildStats, Refusal>
}>()("reprise/control/Ratings") {
  static readonly layer = (options: RatingsOptions = {}) =>
    Layer.effect(
      Ratings,
      Effect.gen(function*() {
        const control = yield* Control
        const writer = yield* Writer
        const audit = yield* AuditTrail
        const ratings = yield* RatingsRepo
        const repo = yield* StatsRepo
        const timeout = options.statsTimeout ?? "3 seconds"

        const rate = Effect.fn("Ratings.rate")(function*(actor: Actor, rating: Rating) {
          yield* Effect.annotateCurrentSpan({ "guild.id": actor.guildId, "user.id": actor.userId, rating })
          const { queue } = yield* control.view(actor.guildId)
          if (queue.current === null) return yield* refusal(new NothingToRate())
          const track = queue.current.track
          const ratedAt = new Date(yield* Clock.currentTimeMillis)
          yield* writer.submit(ratings.save({ userId: actor.userId, trackId: track.id, guildId: actor.guildId, rating, ratedAt }))
          yield* audit.record(actor, "rated", { title: track.title, rating })
          return { track, rating } satisfies RatingGiven
        })

        const stats = Effect.fn("Ratings.stats")(function*(actor: Actor, period: StatsPeriod) {
          const nowMs = yield* Clock.currentTimeMillis
          const window: StatsWindow = { guildId: actor.guildId, since: periodStart(period, nowMs), now: new Date(nowMs) }
          const lists = yield* Effect.all({
            mostPlayed: repo.mostPlayed(window),
            bestRated: repo.bestRated(window),
            topRequesters: repo.topRequesters(window),
            mostSkipped: repo.mostSkipped(window)
          }, { concurrency: "unbounded" }).pipe(
            stored({ warning: "stats are unavailable", unavailable: new StatsUnavailable(), timeout }),
            Effect.annotateLogs({ guildId: actor.guildId })
          )
          return { period, ...lists } satisfies GuildStats
        })

        return Ratings.of({ rate, stats })
      })
    )
}
