/**
 * Track ratings (`track_ratings`, migrations/0001_initial.sql): one per user and track, 👍 or 👎.
 * Ratings are written by the background writer, never by a command waiting on the database.
 */
import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type { GuildId, UserId } from "../../schema/Ids.ts"
import type { Rating } from "../../schema/Rating.ts"
import type { Write } from "./Writer.ts"

export { Rating } from "../../schema/Rating.ts"

export interface RatingChange {
  readonly userId: UserId
  readonly trackId: string
  /** Where it was given: the guild whose player was playing the track. */
  readonly guildId: GuildId
  readonly rating: Rating
  readonly ratedAt: Date
}

const score = (rating: Rating) => (rating === "up" ? 1 : -1)

export class RatingsRepo extends Context.Service<RatingsRepo, {
  /**
   * The write that stores a rating, for the background writer. It replaces the user's earlier
   * rating of the track, so pending changes of one user and track are one write (the newest), and
   * writing it again leaves the same row.
   */
  readonly save: (change: RatingChange) => Write
}>()("reprise/persistence/RatingsRepo") {
  static readonly layerSql = Layer.effect(
    RatingsRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      return RatingsRepo.of({
        save: (change) => ({
          kind: "rating",
          key: `rating:${change.userId}:${change.trackId}`,
          statement: sql`INSERT INTO track_ratings (user_id, track_id, guild_id, rating, rated_at)
            VALUES (${change.userId}, ${change.trackId}, ${change.guildId}, ${score(change.rating)}, ${change.ratedAt})
            ON CONFLICT (user_id, track_id) DO UPDATE SET guild_id = EXCLUDED.guild_id, rating = EXCLUDED.rating,
              rated_at = EXCLUDED.rated_at`
        })
      })
    })
  )
}
