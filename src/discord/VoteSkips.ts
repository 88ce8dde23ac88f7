import { Context, Effect, Layer, Ref } from "effect"
import type { GuildId } from "../../schema/Ids.ts"

interface Ballot {
  readonly entryId: number
  readonly voters: ReadonlySet<string>
}

/** Votes to skip the current entry, per guild; a new entry starts a new ballot. */
export class VoteSkips extends Context.Service<VoteSkips, {
  /** Counts `userId`'s vote for skipping `entryId`; answers the votes so far (each user counts once). */
  readonly vote: (guildId: GuildId, entryId: number, userId: string) => Effect.Effect<number>
  readonly reset: (guildId: GuildId) => Effect.Effect<void>
}>()("reprise/discord/VoteSkips") {
  static readonly layer = Layer.effect(
    VoteSkips,
    Effect.gen(function*() {
      const ballots = yield* Ref.make(new Map<GuildId, Ballot>())
      return VoteSkips.of({
        vote: (guildId, entryId, userId) =>
          Ref.modify(ballots, (map): [number, Map<GuildId, Ballot>] => {
            const previous = map.get(guildId)
            const voters = new Set(previous?.entryId === entryId ? previous.voters : [])
            voters.add(userId)
            return [voters.size, new Map(map).set(guildId, { entryId, voters })]
          }),
        reset: (guildId) =>
          Ref.update(ballots, (map) => {
            const next = new Map(map)
            next.delete(guildId)
            return next
          })
      })
    })
  )
}
