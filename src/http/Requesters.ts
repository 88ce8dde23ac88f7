/**
 * Answers that name who asked for each track: the names come from the gateway's cache here, so the
 * views themselves (PlayerView.ts) stay pure functions of what they are given.
 */
import { Effect } from "effect"
import type { Queued } from "../../schema/ApiV1.ts"
import type { GuildId } from "../../schema/Ids.ts"
import type { Track } from "../../schema/Track.ts"
import type { PlayProgress } from "../control/Play.ts"
import { GuildDirectory } from "../gateway/GuildDirectory.ts"
import { queuedView, trackFields } from "./PlayerView.ts"

export const makeRequesters = Effect.gen(function*() {
  const directory = yield* GuildDirectory
  return {
    /** The tracks a play queued, each with its position and its requester's name. */
    queued: (guildId: GuildId) => (progress: PlayProgress): Effect.Effect<Queued> =>
      Effect.map(
        directory.names(guildId, progress.queued.map((q) => q.track.requester)),
        (names) => queuedView(progress, names)
      ),
    track: (guildId: GuildId, track: Track) =>
      Effect.map(directory.names(guildId, [track.requester]), (names) => trackFields(track, names))
  }
})
