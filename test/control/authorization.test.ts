import { assert, describe, it } from "@effect/vitest"
import { ChannelId, GuildId, RoleId, UserId } from "../../schema/Ids.ts"
import type { Member } from "../../src/control/Actor.ts"
import { decide, guildRules, isDj, type Room, votesNeeded } from "../../src/control/Authorization.ts"

const music = ChannelId.make("100000000000000001")
const lounge = ChannelId.make("100000000000000002")
const dj = RoleId.make("100000000000000009")

const actor = (over: Partial<Omit<Member, "_tag">> = {}): Member => ({
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
  ...over
})

describe("permission rules", () => {
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

  it("control: only from the bot's voice channel, and only while it is in one", () => {
    assert.strictEqual(decide("control", actor(), room())._tag, "Allowed")
    assert.strictEqual(decide("control", actor({ voiceChannelId: lounge }), room())._tag, "Refused")
    assert.strictEqual(decide("control", actor({ voiceChannelId: null }), room())._tag, "Refused")
    assert.strictEqual(decide("control", actor(), room({ botChannelId: null }))._tag, "Refused")
  })

  it("dj: the DJ role, a server manager, nobody once there is no DJ role, or someone alone with the bot", () => {
    assert.strictEqual(decide("dj", actor(), room())._tag, "Refused")
    assert.strictEqual(decide("dj", actor({ roleIds: [dj] }), room())._tag, "Allowed")
    assert.strictEqual(decide("dj", actor({ manager: true }), room())._tag, "Allowed")
    assert.strictEqual(decide("dj", actor(), room({ djRoleId: null }))._tag, "Allowed")
    assert.strictEqual(decide("dj", actor(), room({ listeners: 1 }))._tag, "Allowed")
    // Even a DJ acts from the bot's channel.
    assert.strictEqual(decide("dj", actor({ roleIds: [dj], voiceChannelId: lounge }), room())._tag, "Refused")
    assert.isFalse(isDj(actor({ voiceChannelId: lounge }), room({ listeners: 1 })))
  })

  it("skip: DJs and the track's requester skip; anyone else votes", () => {
    assert.strictEqual(decide("skip", actor(), room())._tag, "Vote")
    assert.strictEqual(decide("skip", actor({ userId: UserId.make("200000000000000002") }), room())._tag, "Allowed")
    assert.strictEqual(decide("skip", actor({ roleIds: [dj] }), room())._tag, "Allowed")
    assert.strictEqual(decide("skip", actor({ voiceChannelId: lounge }), room())._tag, "Refused")
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

