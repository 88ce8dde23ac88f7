import { GuildId, UserId } from "../../../schema/Ids.ts"
import { Track } from "../../../schema/Track.ts"

export const guildA = GuildId.make("100000000000000001")
export const guildB = GuildId.make("100000000000000002")
export const user = UserId.make("200000000000000001")

/** A track whose id, title and location all derive from `name`. */
export const track = (name: string, options: { readonly durationMs?: number; readonly location?: string } = {}) =>
  new Track({
    id: `file:${name}`,
    kind: "file",
    location: options.location ?? `/music/${name}.flac`,
    title: name,
    author: null,
    durationMs: options.durationMs ?? 180_000,
    artworkUrl: null,
    requester: user
  })
