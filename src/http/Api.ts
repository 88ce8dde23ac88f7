import { HttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Health, NotReady, Ready } from "../../schema/System.ts"
import { GuildsGroup, MeGroup } from "./GuildApi.ts"
import { LibraryGroup } from "./LibraryApi.ts"
import { PlaylistsGroup } from "./PlaylistApi.ts"

export class SystemGroup extends HttpApiGroup.make("system")
  .add(
    HttpApiEndpoint.get("health", "/health", { success: Health }).annotate(
      OpenApi.Description,
      "Liveness: answers 200 while the process runs."
    ),
    HttpApiEndpoint.get("ready", "/ready", { success: Ready, error: NotReady }).annotate(
      OpenApi.Description,
      "Readiness: 200 when the database answers, ffmpeg is found and Discord is connected; otherwise 503 naming each failing check."
    )
  )
  .prefix("/api")
{}

/** The HTTP API, shared by the server, the OpenAPI document and typed clients. */
export class RepriseApi extends HttpApi.make("reprise")
  .add(SystemGroup)
  .add(GuildsGroup)
  .add(MeGroup)
  .add(LibraryGroup)
  .add(PlaylistsGroup)
  .annotate(OpenApi.Title, "Reprise")
  .annotate(OpenApi.Description, "Control Reprise's guild players and read their state.")
{}
