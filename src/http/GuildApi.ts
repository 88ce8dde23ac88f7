/**
 * `/api/v1`: a guild's player, queue and settings, and the live stream of its events, for scripts
 * and the dashboard. Each endpoint calls the same application core as the slash commands, under
 * the same rules; its errors are RFC 9457 problems (Problems.ts).
 */
import { Context, Schema } from "effect"
import { Multipart } from "effect/http"
import { HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, HttpApiSecurity, OpenApi } from "effect/http-api"
import * as V1 from "../../schema/ApiV1.ts"
import { ChannelId, GuildId } from "../../schema/Ids.ts"
import type { KeyHolder } from "../control/ApiKeys.ts"
import type { StoredSession } from "../persistence/SessionRepo.ts"
import { BadGateway, ControlProblems, Forbidden, RequestProblems, TooManyRequests, Unauthorized, Unavailable } from "./Problems.ts"

/**
 * A member logged in to the dashboard with Discord: acts as that member, under Discord's rules. What
 * they may do in one of their guilds is the gateway's to say, never the list Discord gave at login.
 */
export interface SessionHolder extends Omit<StoredSession, "expiresAt"> {
  /** What the page sends back as `X-CSRF-Token` with every change it asks for. */
  readonly csrfToken: string
}

/** Who calls: a script with one of a guild's API keys, or a member's dashboard session. */
export type Calling = ({ readonly _tag: "Key" } & KeyHolder) | ({ readonly _tag: "Session" } & SessionHolder)

export class Caller extends Context.Service<Caller, Calling>()("reprise/http/Caller") {}

/** The cookie a dashboard login sets (HttpOnly: no script reads it). */
export const sessionCookie = "reprise_session"

/**
 * `Authorization: Bearer rpk_…` (one of a guild's API keys, `/apikey create`), else the dashboard's
 * session cookie. A request with both is a key's: a page on another site cannot add that header.
 */
export class ApiAuth extends HttpApiMiddleware.Service<ApiAuth, { provides: Caller }>()("reprise/http/ApiAuth", {
  security: {
    apiKey: HttpApiSecurity.bearer,
    session: HttpApiSecurity.apiKey({ key: sessionCookie, in: "cookie" })
  },
  error: [Unauthorized, Forbidden, Unavailable, TooManyRequests]
}) {}

const guild = { guildId: GuildId }

/** What an endpoint that acts on a guild's player has: the guild in its path, the player as its answer. */
const onPlayer = { params: guild, success: V1.PlayerView, error: ControlProblems } as const
const onSettings = { params: guild, success: V1.SettingsView, error: ControlProblems } as const

/** A control of the player: answers with the player as it is afterwards. */
const control = <const Name extends string>(name: Name, description: string) =>
  HttpApiEndpoint.post(name, `/:guildId/player/${name}`, onPlayer).annotate(OpenApi.Description, description)

const setting = <const Name extends string, S extends Schema.Top>(name: Name, payload: S, description: string) =>
  HttpApiEndpoint.put(name, `/:guildId/player/${name}`, { ...onPlayer, payload }).annotate(OpenApi.Description, description)

const described = OpenApi.Description

/** An audio file to play, with where and when as form fields. */
const Upload = Schema.Struct({
  file: Multipart.SingleFileSchema,
  next: Schema.optionalKey(Schema.Literals(["true", "false"])),
  voiceChannelId: Schema.optionalKey(ChannelId)
}).pipe(HttpApiSchema.asMultipart({ maxParts: 3, maxFieldSize: 1024 }))

/** An image through the bot (Images.ts): its own type, whichever of PNG, JPEG, GIF, WebP or AVIF it is. */
const image = {
  params: guild,
  query: V1.ImageQuery,
  success: Schema.Uint8Array.pipe(HttpApiSchema.asUint8Array({ contentType: "image/*" })),
  error: [...ControlProblems, BadGateway]
} as const

export class GuildsGroup extends HttpApiGroup.make("guilds")
  .add(
    HttpApiEndpoint.get("list", "/", { success: Schema.Array(V1.GuildSummary) })
      .annotate(
        described,
        "The guilds the caller may see: an API key's own guild; for a session, the guilds the member shares with the bot."
      ),
    HttpApiEndpoint.get("player", "/:guildId/player", { ...onPlayer, query: V1.PageQuery })
      .annotate(described, "The player: what plays, where it stands, the sound, and a page of the queue."),
    HttpApiEndpoint.get("icon", "/:guildId/icon", image).annotate(
      described,
      "The guild's icon, fetched through the bot (404 when it has none; 502 when Discord's CDN did not give it)."
    ),
    HttpApiEndpoint.get("artwork", "/:guildId/player/artwork", image).annotate(
      described,
      "The current track's artwork, fetched through the bot: checked at every redirect and connection, an image " +
        "of at most 2 MiB (404 when nothing plays or the track has none; 502 when its host did not give an image)."
    ),
    HttpApiEndpoint.post("enqueue", "/:guildId/queue", { ...onPlayer, payload: V1.Enqueue, success: V1.Queued })
      .annotate(
        described,
        "Resolves and queues like /play. voiceChannelId is required while the bot is in no voice channel (else 409)."
      ),
    HttpApiEndpoint.post("upload", "/:guildId/queue/upload", { ...onPlayer, payload: Upload, success: V1.Queued })
      .annotate(
        described,
        "Plays an audio file sent as multipart/form-data (`file`; `next` and `voiceChannelId` as fields), as /playfile " +
          "does: up to ATTACHMENT_MAX_BYTES, an audio type and extension. The bot keeps it a day."
      ),
    HttpApiEndpoint.get("suggest", "/:guildId/suggest", {
      params: guild,
      query: V1.SuggestQuery,
      success: V1.Suggestions,
      error: ControlProblems
    }).annotate(described, "Tracks to offer for what was typed (the local library, then a search), as /play's autocomplete."),
    HttpApiEndpoint.delete("remove", "/:guildId/queue/:position", {
      ...onPlayer,
      params: { ...guild, position: V1.PositionFromString },
      query: V1.RemoveQuery
    }).annotate(described, "Removes the track at a 1-based position of the queue, or with `to` every track from there to `to`."),
    HttpApiEndpoint.post("move", "/:guildId/queue/move", { ...onPlayer, payload: V1.Move })
      .annotate(described, "Moves a track from one 1-based position to another."),
    HttpApiEndpoint.post("jump", "/:guildId/queue/:position/play", {
      ...onPlayer,
      params: { ...guild, position: V1.PositionFromString }
    }).annotate(described, "Plays the track at a 1-based position now, skipping those before it (as /skipto)."),
    HttpApiEndpoint.post("shuffle", "/:guildId/queue/shuffle", onPlayer).annotate(described, "Shuffles the upcoming tracks."),
    HttpApiEndpoint.delete("clear", "/:guildId/queue", onPlayer)
      .annotate(described, "Clears the upcoming tracks; the current one plays on."),
    control("pause", "Pauses playback."),
    control("resume", "Resumes playback."),
    HttpApiEndpoint.post("skip", "/:guildId/player/skip", { ...onPlayer, success: V1.SkipView }).annotate(
      described,
      "Skips the current track: at once for a DJ or its requester, else as a vote (`vote`: the votes so far and how many it needs)."
    ),
    control("previous", "Plays the previous track again."),
    control("stop", "Stops, clears the queue and leaves voice."),
    control("leave", "Leaves the voice channel, as /leave does (a DJ's action)."),
    HttpApiEndpoint.post("seek", "/:guildId/player/seek", { ...onPlayer, payload: V1.Seek })
      .annotate(described, "Jumps to a position in the current track."),
    setting("volume", V1.SetVolume, "Sets the volume, 0 to 200 percent."),
    setting("effects", V1.SetEffects, "Sets exactly these effects (an empty list: none)."),
    setting("equalizer", V1.SetEqualizer, "Sets an equalizer preset."),
    setting("loop", V1.SetLoop, "Sets the loop mode: off, track or queue."),
    HttpApiEndpoint.get("settings", "/:guildId/settings", onSettings).annotate(described, "The guild's bot settings."),
    HttpApiEndpoint.get("roles", "/:guildId/roles", { params: guild, success: V1.Roles, error: ControlProblems })
      .annotate(described, "The roles that can be made the DJ role (not @everyone, not a bot's own), highest first."),
    HttpApiEndpoint.patch("updateSettings", "/:guildId/settings", { ...onSettings, payload: V1.SettingsPatch })
      .annotate(described, "Changes the settings given; answers with all of them afterwards."),
    HttpApiEndpoint.get("events", "/:guildId/events", {
      ...onPlayer,
      headers: { "last-event-id": Schema.optionalKey(Schema.String) },
      success: HttpApiSchema.StreamUint8Array({ contentType: "text/event-stream" })
    }).annotate(
      described,
      "Server-Sent Events: first `state` (the player), then one event per player event (its tag, its JSON, a " +
        "sequence number as id), a comment every 15 s. Reconnecting with Last-Event-ID replays what was missed, " +
        "or starts again with `state` when that is no longer kept."
    )
  )
  .middleware(RequestProblems)
  .middleware(ApiAuth)
  .prefix("/api/v1/guilds")
{}

/** `/api/v1/me`: who is logged in to the dashboard. */
export class MeGroup extends HttpApiGroup.make("me")
  .add(
    HttpApiEndpoint.get("me", "/me", { success: V1.Me, error: Forbidden }).annotate(
      described,
      "The member logged in (id, username, avatar), the guilds they share with the bot, and the CSRF token " +
        "to send as X-CSRF-Token with every POST, PUT, PATCH and DELETE. An API key has no login: 403."
    )
  )
  .middleware(RequestProblems)
  .middleware(ApiAuth)
  .prefix("/api/v1")
{}
