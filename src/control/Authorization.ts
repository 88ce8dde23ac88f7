/**
 * Who may do what, as pure functions of the caller and the guild's playback situation. Every
 * edge goes through the same rules: the application core gathers a `Room`, asks here, and acts
 * on the verdict.
 */
import { defaultDjActions, type DjAction } from "../../schema/GuildRules.ts"
import type { ChannelId, RoleId, UserId } from "../../schema/Ids.ts"
import type { Actor } from "./Actor.ts"
import {
  BusyElsewhere,
  NotDj,
  NotInBotChannel,
  NotInVoice,
  NotManager,
  NotPlaying,
  NotPlaylistEditor,
  type RefusalReason
} from "./Refusal.ts"

/** The guild's playback situation. */
export interface Room {
  /** The voice channel the bot is in, if any. */
  readonly botChannelId: ChannelId | null
  /** Humans in the bot's channel (bots excluded). */
  readonly listeners: number
  readonly djRoleId: RoleId | null
  /** Who queued what is playing now, if anything is. */
  readonly currentRequester: UserId | null
  /** The action groups the guild keeps for DJs. */
  readonly djActions: ReadonlyArray<DjAction>
}

/**
 * - `start`: play something (any voice channel will do while the bot is in none);
 * - an action of a group (`pause`, `seek`, `skip`, ...; `previous` is of the `skip` group), in the
 *   bot's channel: anyone may, unless the guild keeps the group for DJs (`Room.djActions`; by
 *   default volume, effects, stop and clear). A `skip` not kept for DJs is a DJ's or the track's
 *   requester's to do, and anyone else's vote;
 * - `settings`: the guild's bot settings (Manage Server, or the DJ role once there is one);
 * - `playlists`: change the guild's shared playlists (Manage Server, or a DJ by role; anyone while
 *   the guild has no DJ role). Being alone with the bot does not count: playlists outlast the session.
 */
export type Action = "start" | "settings" | "playlists" | "previous" | DjAction

export type Verdict =
  | { readonly _tag: "Allowed" }
  | { readonly _tag: "Refused"; readonly reason: RefusalReason }
  | { readonly _tag: "Vote" }

const allowed: Verdict = { _tag: "Allowed" }
const refused = (reason: RefusalReason): Verdict => ({ _tag: "Refused", reason })

/**
 * A DJ: has the DJ role, manages the server, or the guild has no DJ role (no DJ rules).
 * Someone alone with the bot is a DJ too: there is nobody to overrule.
 */
export const isDj = (actor: Actor, room: Room): boolean =>
  actor._tag === "Key" ||
  room.djRoleId === null ||
  actor.manager ||
  actor.roleIds.includes(room.djRoleId) ||
  (actor.voiceChannelId !== null && actor.voiceChannelId === room.botChannelId && room.listeners <= 1)

/** In the bot's channel; a key is where the bot is, having no channel of its own. */
const inBotChannel = (actor: Actor, room: Room): Verdict | null => {
  if (room.botChannelId === null) return refused(new NotPlaying())
  if (actor._tag === "Member" && actor.voiceChannelId !== room.botChannelId) {
    return refused(new NotInBotChannel({ channelId: room.botChannelId }))
  }
  return null
}

export const decide = (action: Action, actor: Actor, room: Room): Verdict => {
  switch (action) {
    case "start": {
      if (actor.voiceChannelId === null) return refused(new NotInVoice())
      if (room.botChannelId !== null && room.botChannelId !== actor.voiceChannelId && room.listeners > 0) {
        return refused(new BusyElsewhere({ channelId: room.botChannelId }))
      }
      return allowed
    }
    case "settings":
      if (actor._tag === "Key") return allowed
      return actor.manager || (room.djRoleId !== null && actor.roleIds.includes(room.djRoleId))
        ? allowed
        : refused(new NotManager())
    case "playlists":
      if (actor._tag === "Key") return allowed
      return actor.manager || room.djRoleId === null || actor.roleIds.includes(room.djRoleId)
        ? allowed
        : refused(new NotPlaylistEditor())
    default: {
      const where = inBotChannel(actor, room)
      if (where !== null) return where
      const dj = isDj(actor, room)
      if (room.djActions.includes(action === "previous" ? "skip" : action)) return dj ? allowed : refused(new NotDj())
      if (action === "skip" && !dj && room.currentRequester !== actor.userId) return { _tag: "Vote" }
      return allowed
    }
  }
}

/** The room for rules that look at the guild's settings only (`settings`, `playlists`), not at playback. */
export const guildRules = (djRoleId: RoleId | null): Room => ({
  botChannelId: null,
  listeners: 0,
  djRoleId,
  currentRequester: null,
  djActions: defaultDjActions
})

/**
 * Votes needed to skip: more than `ratio` of the listeners (a strict majority at the
 * default 0.5), never more than there are listeners, and at least one.
 */
export const votesNeeded = (listeners: number, ratio: number): number =>
  Math.max(1, Math.min(listeners, Math.floor(listeners * ratio) + 1))
