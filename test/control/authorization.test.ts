import { assert, describe, it } from "@effect/vitest"
import { defaultDjActions, type DjAction, djActions } from "../../schema/GuildRules.ts"
import { ChannelId, GuildId, RoleId, UserId } from "../../schema/Ids.ts"
import type { Actor, Member } from "../../src/control/Actor.ts"
import { decide, guildRules, isDj, type Room, votesNeeded } from "../../src/control/Authorization.ts"

const music = ChannelId.make("100000000000000001")
const lounge = ChannelId.make("100000000000000002")
const dj = RoleId.make("100000000000000009")

const actor = (over: Partial<Omit<Member, "_tag">> = {}): Actor => ({
  _tag: "Member",
  origin: "discord",
  guildId: GuildId.make("300000000000000001"),
  userId: UserId.make("200000000000000001"),
  roleIds: [],
  manager: false,
  voiceChannelId: music,
  ...over
})

const room = (over: Partial<Room> = {}): Room => ({
  botChannelId: music,
  listeners: 3,
  djRoleId: dj,
  currentRequester: UserId.make("200000000000000002"),
  djActions: defaultDjActions,
  ...over
})

/** One of the guild's API keys, naming a voice channel or not. */
const key = (voiceChannelId: ChannelId | null): Actor => ({
  _tag: "Key",
  origin: "http",
  guildId: GuildId.make("300000000000000001"),
  userId: UserId.make("200000000000000001"),
  keyName: "script",
  voiceChannelId
})

const verdict = (v: ReturnType<typeof decide>) => v._tag === "Refused" ? v.reason._tag : v._tag

describe("permission rules", () => {
  it("an API key: DJ rights wherever the bot plays, a voice channel to start in", () => {
    assert.strictEqual(verdict(decide("start", key(null), room({ botChannelId: null }))), "NotInVoice")
    assert.strictEqual(verdict(decide("start", key(music), room({ botChannelId: null }))), "Allowed")
    assert.strictEqual(verdict(decide("start", key(lounge), room())), "BusyElsewhere")
    assert.strictEqual(verdict(decide("pause", key(music), room({ botChannelId: null }))), "NotPlaying")
    // Away from the listeners, yet a DJ: no vote, no DJ role needed.
    assert.strictEqual(verdict(decide("stop", key(music), room())), "Allowed")
    assert.strictEqual(verdict(decide("seek", key(music), room({ djActions: djActions }))), "Allowed")
    assert.strictEqual(verdict(decide("skip", key(music), room())), "Allowed")
    assert.strictEqual(verdict(decide("settings", key(null), guildRules(dj))), "Allowed")
    assert.strictEqual(verdict(decide("playlists", key(null), guildRules(dj))), "Allowed")
  })

  it("start: needs any voice channel; not another one while the bot plays to listeners", () => {
    assert.deepStrictEqual(decide("start", actor(), room({ botChannelId: null, listeners: 0 })), { _tag: "Allowed" })
    assert.deepStrictEqual(decide("start", actor({ voiceChannelId: lounge }), room({ botChannelId: null })), {
      _tag: "Allowed"
    })
    const outside = decide("start", actor({ voiceChannelId: null }), room({ botChannelId: null }))
    assert.strictEqual(outside._tag, "Refused")
    const elsewhere = decide("start", actor({ voiceChannelId: lounge }), room())
    assert.strictEqual(elsewhere._tag, "Refused")
    assert.strictEqual(elsewhere._tag === "Refused" ? elsewhere.reason._tag : "", "BusyElsewhere")
    assert.include(elsewhere._tag === "Refused" ? elsewhere.reason.message : "", `<#${music}>`)
    // Nobody left with the bot: it may follow the caller.
    assert.strictEqual(decide("start", actor({ voiceChannelId: lounge }), room({ listeners: 0 }))._tag, "Allowed")
  })

  it("playlists: the guild's shared playlists are its DJs' and managers', wherever they are", () => {
    const refused = decide("playlists", actor(), guildRules(dj))
    assert.strictEqual(refused._tag === "Refused" ? refused.reason._tag : refused._tag, "NotPlaylistEditor")
    assert.strictEqual(decide("playlists", actor({ roleIds: [dj], voiceChannelId: null }), guildRules(dj))._tag, "Allowed")
    assert.strictEqual(decide("playlists", actor({ manager: true }), guildRules(dj))._tag, "Allowed")
    assert.strictEqual(decide("playlists", actor(), guildRules(null))._tag, "Allowed")
    // Being alone with the bot makes one a DJ of the session, not of what the guild keeps.
    assert.strictEqual(decide("playlists", actor(), room({ listeners: 1 }))._tag, "Refused")
  })

  it("an action anyone may take: only from the bot's voice channel, and only while it is in one", () => {
    assert.strictEqual(decide("pause", actor(), room())._tag, "Allowed")
    assert.strictEqual(decide("pause", actor({ voiceChannelId: lounge }), room())._tag, "Refused")
    assert.strictEqual(decide("pause", actor({ voiceChannelId: null }), room())._tag, "Refused")
    assert.strictEqual(decide("pause", actor(), room({ botChannelId: null }))._tag, "Refused")
  })

  it("an action kept for DJs: the DJ role, a manager, anyone once there is no DJ role, or someone alone with the bot", () => {
    assert.strictEqual(verdict(decide("stop", actor(), room())), "NotDj")
    assert.strictEqual(decide("stop", actor({ roleIds: [dj] }), room())._tag, "Allowed")
    assert.strictEqual(decide("stop", actor({ manager: true }), room())._tag, "Allowed")
    assert.strictEqual(decide("stop", actor(), room({ djRoleId: null }))._tag, "Allowed")
    assert.strictEqual(decide("stop", actor(), room({ listeners: 1 }))._tag, "Allowed")
    // Even a DJ acts from the bot's channel.
    assert.strictEqual(verdict(decide("stop", actor({ roleIds: [dj], voiceChannelId: lounge }), room())), "NotInBotChannel")
    assert.isFalse(isDj(actor({ voiceChannelId: lounge }), room({ listeners: 1 })))
  })

  it("by default volume, effects, stop and clear are kept for DJs, and nothing else", () => {
    const kept = (["pause", "seek", "queue", "loop", "volume", "effects", "stop", "clear", "previous"] as const)
      .filter((a) => decide(a, actor(), room())._tag === "Refused")
    assert.deepStrictEqual(kept, ["volume", "effects", "stop", "clear"])
  })

  it("a guild chooses which groups need DJ rights: each one it keeps, and only those", () => {
    for (const group of djActions) {
      const only: ReadonlyArray<DjAction> = [group]
      const refused = djActions.filter((a) => verdict(decide(a, actor(), room({ djActions: only }))) === "NotDj")
      assert.deepStrictEqual(refused, [group])
      assert.strictEqual(decide(group, actor({ roleIds: [dj] }), room({ djActions: only }))._tag, "Allowed")
    }
    // Going back is of the skip group.
    assert.strictEqual(verdict(decide("previous", actor(), room({ djActions: ["skip"] }))), "NotDj")
    assert.strictEqual(verdict(decide("previous", actor(), room({ djActions: [] }))), "Allowed")
    // Opened to everyone, what DJs kept by default is anyone's in the channel, and still not outside it.
    assert.strictEqual(verdict(decide("volume", actor(), room({ djActions: [] }))), "Allowed")
    assert.strictEqual(verdict(decide("volume", actor({ voiceChannelId: lounge }), room({ djActions: [] }))), "NotInBotChannel")
  })

  it("skip: DJs and the track's requester skip; anyone else votes", () => {
    assert.strictEqual(decide("skip", actor(), room())._tag, "Vote")
    assert.strictEqual(decide("skip", actor({ userId: UserId.make("200000000000000002") }), room())._tag, "Allowed")
    assert.strictEqual(decide("skip", actor({ roleIds: [dj] }), room())._tag, "Allowed")
    assert.strictEqual(decide("skip", actor({ voiceChannelId: lounge }), room())._tag, "Refused")
  })

  it("skip kept for DJs: no vote, and not even the track's requester skips", () => {
    const djsOnly = room({ djActions: ["skip"] })
    assert.strictEqual(verdict(decide("skip", actor(), djsOnly)), "NotDj")
    assert.strictEqual(verdict(decide("skip", actor({ userId: UserId.make("200000000000000002") }), djsOnly)), "NotDj")
    assert.strictEqual(verdict(decide("skip", actor({ roleIds: [dj] }), djsOnly)), "Allowed")
    assert.strictEqual(verdict(decide("skip", actor(), room({ djActions: ["skip"], listeners: 1 }))), "Allowed")
  })

  it("settings: server managers, or DJs once there is a DJ role", () => {
    assert.strictEqual(decide("settings", actor({ voiceChannelId: null, manager: true }), room())._tag, "Allowed")
    assert.strictEqual(decide("settings", actor({ roleIds: [dj] }), room())._tag, "Allowed")
    assert.strictEqual(decide("settings", actor(), room())._tag, "Refused")
    assert.strictEqual(decide("settings", actor(), room({ djRoleId: null }))._tag, "Refused")
  })

  it("vote-skip needs more than the ratio of listeners: a majority at 0.5", () => {
    assert.strictEqual(votesNeeded(1, 0.5), 1)
    assert.strictEqual(votesNeeded(2, 0.5), 2)
    assert.strictEqual(votesNeeded(3, 0.5), 2)
    assert.strictEqual(votesNeeded(4, 0.5), 3)
    assert.strictEqual(votesNeeded(10, 0.3), 4)
    assert.strictEqual(votesNeeded(4, 1), 4)
    assert.strictEqual(votesNeeded(0, 0.5), 1)
  })
})

