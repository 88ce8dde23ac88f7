/** /rate and /stats, and the 👍/👎 buttons under the now-playing message. */
import { Effect, Option, Schema } from "effect"
import { Rating, Ratings, StatsPeriod } from "../../control/Ratings.ts"
import { actorOf, defer, respond } from "../Interaction.ts"
import { ratedText, statsMessage } from "../StatsRender.ts"
import { type ComponentHandler, guildCommand, slash } from "./Command.ts"

export const rate = slash({
  data: guildCommand("rate", "Rate what is playing now")
    .addStringOption((o) =>
      o.setName("rating").setDescription("Do you like it?").setRequired(true).addChoices(
        { name: "👍 up", value: "up" },
        { name: "👎 down", value: "down" }
      )
    )
    .toJSON(),
  options: Schema.Struct({ rating: Rating }),
  run: (_, actor, options) => Effect.flatMap(Ratings, (ratings) => ratings.rate(actor, options.rating)),
  // A rating is the caller's own business: only they see the answer.
  render: (given) => ({ content: ratedText(given), ephemeral: true }),
  acknowledge: "deferPrivately"
})

export const stats = slash({
  data: guildCommand("stats", "This server's most played, best rated and most skipped tracks, and top requesters")
    .addStringOption((o) =>
      o.setName("period").setDescription("How far back to look (the last week by default)").addChoices(
        { name: "the last 24 hours", value: "day" },
        { name: "the last 7 days", value: "week" },
        { name: "the last 30 days", value: "month" },
        { name: "the last 12 months", value: "year" },
        { name: "all time", value: "all" }
      )
    )
    .toJSON(),
  options: Schema.Struct({ period: Schema.optional(StatsPeriod) }),
  // Deferred first: the database has up to its time box to answer, which may pass Discord's three seconds.
  run: (_, actor, options, interaction) =>
    defer(interaction).pipe(
      Effect.andThen(Effect.flatMap(Ratings, (ratings) => ratings.stats(actor, options.period ?? "week")))
    ),
  render: statsMessage,
  acknowledge: "itself"
})

/** `rate:up` and `rate:down`: rate the guild's current track, answered privately. */
export const rateButtons: ComponentHandler = {
  prefix: "rate",
  run: Effect.fn("Commands.rate.button")(function*(interaction, args) {
    const rating = Schema.decodeUnknownOption(Rating)(args[0])
    if (Option.isNone(rating)) return
    // Answered after it is applied: a rating is keyed by user and track, so a second press after an
    // unanswered one changes nothing.
    const given = yield* (yield* Ratings).rate(actorOf(interaction), rating.value)
    yield* respond(interaction, { content: ratedText(given), ephemeral: true })
  })
}
