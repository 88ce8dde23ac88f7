/**
 * `/api/v1` for what the durable state and the lyrics service hold: a guild's play history (to queue
 * again), its audit log, ratings, stats and lyrics, through the same use-cases as /history, /audit,
 * /rate, /stats and /lyrics.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import * as V1 from "../../schema/ApiV1.ts"
import { GuildId } from "../../schema/Ids.ts"
import { ApiAuth } from "./GuildApi.ts"
import { ControlProblems, RequestProblems } from "./Problems.ts"

const guild = { guildId: GuildId }

export class LibraryGroup extends HttpApiGroup.make("library")
  .add(
    HttpApiEndpoint.get("history", "/:guildId/history", {
      params: guild,
      query: V1.HistoryQuery,
      success: V1.HistoryPage,
      error: ControlProblems
    }).annotate(OpenApi.Description, "What the guild played, newest first, ten a page; `search` matches titles."),
    HttpApiEndpoint.post("replay", "/:guildId/history/:playId/replay", {
      params: { ...guild, ...V1.PlayIdPath },
      payload: V1.Replay,
      success: V1.Queued,
      error: ControlProblems
    }).annotate(
      OpenApi.Description,
      "Queues a track of the history (its id from GET …/history) again, as the /history menu does, answering like " +
        "POST …/queue. voiceChannelId is required while the bot is in no voice channel (else 409)."
    ),
    HttpApiEndpoint.get("audit", "/:guildId/audit", {
      params: guild,
      query: V1.AuditQuery,
      success: V1.AuditPage,
      error: ControlProblems
    }).annotate(OpenApi.Description, "The audit log, newest first: for members who manage the server, as /audit is."),
    HttpApiEndpoint.post("rate", "/:guildId/player/rating", {
      params: guild,
      payload: V1.Rate,
      success: V1.Rated,
      error: ControlProblems
    }).annotate(
      OpenApi.Description,
      "Rates what plays now for the caller (a key: its creator), as /rate does; rating again replaces the rating. " +
        "409 when nothing plays."
    ),
    HttpApiEndpoint.get("stats", "/:guildId/stats", {
      params: guild,
      query: V1.StatsQuery,
      success: V1.StatsView,
      error: ControlProblems
    }).annotate(
      OpenApi.Description,
      "The guild's most played, best rated and most skipped tracks and top requesters over the period (week by default)."
    ),
    HttpApiEndpoint.get("lyrics", "/:guildId/lyrics", {
      params: guild,
      query: V1.LyricsQuery,
      success: V1.LyricsView,
      error: ControlProblems
    }).annotate(
      OpenApi.Description,
      "The words of what plays, or with `q` of a song looked up, from the lyrics service, as /lyrics shows them. " +
        "409 when nothing plays and no `q` is given; 404 when none are found; 503 when the service cannot be reached."
    )
  )
  .middleware(RequestProblems)
  .middleware(ApiAuth)
  .prefix("/api/v1/guilds")
{}
