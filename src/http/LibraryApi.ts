/**
 * `/api/v1` for what the durable state holds: a guild's play history, its saved playlists and its
 * audit log, read through the same use-cases as /history, /playlist list and /audit.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import * as V1 from "../../schema/ApiV1.ts"
import { GuildId } from "../../schema/Ids.ts"
import { ApiAuth } from "./GuildApi.ts"
import { BadRequest, ControlProblems, RequestProblems } from "./Problems.ts"

const guild = { guildId: GuildId }

export class LibraryGroup extends HttpApiGroup.make("library")
  .add(
    HttpApiEndpoint.get("history", "/:guildId/history", {
      params: guild,
      query: V1.HistoryQuery,
      success: V1.HistoryPage,
      error: ControlProblems
    }).annotate(OpenApi.Description, "What the guild played, newest first, ten a page; `search` matches titles."),
    HttpApiEndpoint.get("playlists", "/:guildId/playlists", {
      params: guild,
      success: V1.Playlists,
      error: ControlProblems
    }).annotate(OpenApi.Description, "The guild's saved playlists, and the caller's own (an API key has none)."),
    HttpApiEndpoint.get("audit", "/:guildId/audit", {
      params: guild,
      query: V1.AuditQuery,
      success: V1.AuditPage,
      error: [...ControlProblems, BadRequest]
    }).annotate(OpenApi.Description, "The audit log, newest first: for members who manage the server, as /audit is.")
  )
  .middleware(RequestProblems)
  .middleware(ApiAuth)
  .prefix("/api/v1/guilds")
{}
