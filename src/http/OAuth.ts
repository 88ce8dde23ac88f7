/**
 * Discord's side of the dashboard login (OAuth2 authorization code with PKCE, scopes
 * `identify guilds`): the settings, where Discord's pages and endpoints are, and the three calls the
 * bot makes with a login's code — the token exchange, the user, and the user's guilds. Every answer
 * is decoded with a Schema; every failure is a `LoginError` whose reason says what the user is told.
 * Tokens and the client secret never reach a log: only statuses and Discord's error codes do.
 */
import { Context, type Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, type HttpClientResponse } from "effect/http"
import { GuildId, UserId } from "../../schema/Ids.ts"
import { DurationText, HttpUrl, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"
import * as GatewaySettings from "../gateway/GatewaySettings.ts"

export const scopes = "identify guilds"

export interface LoginSettings {
  /** The Discord application's OAuth2 client; none while either half is unset (login is off). */
  readonly client: Option.Option<{ readonly id: string; readonly secret: Redacted.Redacted<string> }>
  /** The halves of the client that are unset, to name them when a login is refused. */
  readonly missing: ReadonlyArray<string>
  /** Where browsers reach Reprise, without a trailing slash. */
  readonly publicUrl: string
  /** `PUBLIC_URL` + `/auth/callback`: registered with the Discord application as a redirect. */
  readonly redirectUri: string
  /** Cookies are `Secure` when the public address is https. */
  readonly secureCookies: boolean
  readonly sessionTtl: Duration.Duration
}

export const section = Section.make({
  fields: {
    DISCORD_CLIENT_ID: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^\d{17,20}$/, {
      message: "must be the application's id (17 to 20 digits)"
    }))),
    DISCORD_CLIENT_SECRET: Schema.optionalKey(
      Schema.RedactedFromValue(Schema.NonEmptyString, { label: "DISCORD_CLIENT_SECRET" })
    ),
    PUBLIC_URL: HttpUrl.pipe(withDefault("http://127.0.0.1:8080")),
    SESSION_TTL: DurationText("365 days").pipe(withDefault("7 days"))
  },
  secrets: ["DISCORD_CLIENT_SECRET"],
  build: (e): LoginSettings => {
    const publicUrl = e.PUBLIC_URL.replace(/\/+$/, "")
    const id = e.DISCORD_CLIENT_ID
    const secret = e.DISCORD_CLIENT_SECRET
    return {
      client: id !== undefined && secret !== undefined ? Option.some({ id, secret }) : Option.none(),
      missing: [...(id === undefined ? ["DISCORD_CLIENT_ID"] : []), ...(secret === undefined ? ["DISCORD_CLIENT_SECRET"] : [])],
      publicUrl,
      redirectUri: `${publicUrl}/auth/callback`,
      secureCookies: publicUrl.startsWith("https://"),
      sessionTtl: e.SESSION_TTL
    }
  }
})

/** Where Discord is: its authorize page, and the REST base (with its version) the calls go to. */
export interface DiscordEndpoints {
  readonly authorize: string
  readonly api: string
}

/**
 * Discord's own, or those of DISCORD_API_BASE (`…/api` or `…/api/v10`): its origin serves the
 * authorize page, as discord.com does, and its base the REST calls.
 */
export const endpointsOf = (apiBase: Option.Option<string>): DiscordEndpoints =>
  Option.match(apiBase, {
    onNone: () => ({ authorize: "https://discord.com/oauth2/authorize", api: "https://discord.com/api/v10" }),
    onSome: (base) => {
      const trimmed = base.replace(/\/+$/, "")
      return {
        authorize: `${new URL(trimmed).origin}/oauth2/authorize`,
        api: /\/v\d+$/.test(trimmed) ? trimmed : `${trimmed}/v10`
      }
    }
  })

// Why a login failed; each message is written for the person logging in.

export class NotConfigured extends Schema.TaggedClass<NotConfigured>()("NotConfigured", { missing: Schema.Array(Schema.String) }) {
  get message() {
    return `Dashboard login is not configured on this server: its operator has not set ${this.missing.join(" and ")}.`
  }
}
export class BadState extends Schema.TaggedClass<BadState>()("BadState", {}) {
  readonly message = "This login link is not valid any more (expired, or not started here). Start again at /auth/login."
}
export class Denied extends Schema.TaggedClass<Denied>()("Denied", { error: Schema.String }) {
  get message() {
    return this.error === "access_denied"
      ? "You did not authorize Reprise on Discord, so you are not logged in."
      : `Discord did not log you in (${this.error}).`
  }
}
export class CodeRefused extends Schema.TaggedClass<CodeRefused>()("CodeRefused", {}) {
  readonly message = "Discord refused this login (its code expired or was used). Start again at /auth/login."
}
export class ClientRefused extends Schema.TaggedClass<ClientRefused>()("ClientRefused", {}) {
  readonly message = "Discord refused this server's application credentials; its operator should check DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET."
}
export class Unreachable extends Schema.TaggedClass<Unreachable>()("Unreachable", {}) {
  readonly message = "Discord could not be reached to log you in; try again in a moment."
}
export class BadAnswer extends Schema.TaggedClass<BadAnswer>()("BadAnswer", {}) {
  readonly message = "Discord answered the login with something unexpected; try again later."
}
export class StoreUnavailable extends Schema.TaggedClass<StoreUnavailable>()("StoreUnavailable", {}) {
  readonly message = "Logins cannot be kept right now (the database does not answer); try again soon."
}

export const LoginFailure = Schema.Union([
  NotConfigured, BadState, Denied, CodeRefused, ClientRefused, Unreachable, BadAnswer, StoreUnavailable
])
export type LoginFailure = typeof LoginFailure.Type

/** A login that did not complete; `detail` is for the log (statuses, Discord's error codes), never for the user. */
export class LoginError extends Schema.TaggedError<LoginError>()("LoginError", {
  reason: LoginFailure,
  detail: Schema.optionalKey(Schema.String)
}) {
  override get message() {
    return this.reason.message
  }
}

export const loginError = (reason: LoginFailure, detail?: string) =>
  new LoginError(detail === undefined ? { reason } : { reason, detail })

// What Discord answers (https://discord.com/developers/docs/topics/oauth2), as far as it is used.

export const TokenAnswer = Schema.Struct({
  access_token: Schema.String,
  token_type: Schema.String.check(Schema.isPattern(/^bearer$/i)),
  expires_in: Schema.Number,
  refresh_token: Schema.optionalKey(Schema.String),
  scope: Schema.String
})

export const DiscordUser = Schema.Struct({
  id: UserId,
  username: Schema.String,
  avatar: Schema.NullOr(Schema.String)
})
export type DiscordUser = typeof DiscordUser.Type

export const DiscordGuilds = Schema.Array(Schema.Struct({ id: GuildId, name: Schema.String }))

const TokenError = Schema.Struct({ error: Schema.String })

export class DiscordOAuth extends Context.Service<DiscordOAuth, {
  readonly settings: LoginSettings
  readonly endpoints: DiscordEndpoints
  /** Trades a login's code (and its PKCE verifier) for an access token. */
  readonly exchange: (code: string, verifier: string) => Effect.Effect<Redacted.Redacted<string>, LoginError>
  readonly user: (token: Redacted.Redacted<string>) => Effect.Effect<DiscordUser, LoginError>
  readonly guilds: (token: Redacted.Redacted<string>) => Effect.Effect<typeof DiscordGuilds.Type, LoginError>
}>()("reprise/http/DiscordOAuth") {
  static readonly layerConfig = Layer.effect(
    DiscordOAuth,
    Effect.gen(function*() {
      const settings = yield* Section.settingsOf(section)
      const endpoints = endpointsOf((yield* Section.settingsOf(GatewaySettings.section)).apiBase)
      const http = yield* HttpClient.HttpClient
      const client = Option.match(settings.client, {
        onNone: () => Effect.fail(loginError(new NotConfigured({ missing: settings.missing }))),
        onSome: Effect.succeed
      })

      /** One call within ten seconds; a network failure, a timeout or a 5xx is Discord being unreachable. */
      const call = (what: string, request: HttpClientRequest.HttpClientRequest) =>
        http.execute(request).pipe(
          Effect.timeout("10 seconds"),
          Effect.mapError((error) => loginError(new Unreachable(), `${what}: ${error._tag}`)),
          Effect.flatMap((response) =>
            response.status >= 500 || response.status === 429
              ? Effect.fail(loginError(new Unreachable(), `${what}: HTTP ${response.status}`))
              : Effect.succeed(response)
          )
        )

      const decode = <S extends Schema.Top & { readonly DecodingServices: never }>(
        what: string,
        schema: S,
        response: HttpClientResponse.HttpClientResponse
      ) =>
        response.json.pipe(
          Effect.flatMap(Schema.decodeUnknownEffect(schema)),
          Effect.mapError((error) => loginError(new BadAnswer(), `${what}: ${error.message}`))
        )

      const exchange = Effect.fn("DiscordOAuth.exchange")(function*(code: string, verifier: string) {
        const { id, secret } = yield* client
        const response = yield* call(
          "token",
          HttpClientRequest.post(`${endpoints.api}/oauth2/token`).pipe(
            HttpClientRequest.acceptJson,
            HttpClientRequest.bodyUrlParams({
              grant_type: "authorization_code",
              client_id: id,
              client_secret: Redacted.value(secret),
              code,
              code_verifier: verifier,
              redirect_uri: settings.redirectUri
            })
          )
        )
        if (response.status === 401) return yield* loginError(new ClientRefused(), "token: HTTP 401")
        if (response.status !== 200) {
          const error = yield* response.json.pipe(
            Effect.flatMap(Schema.decodeUnknownEffect(TokenError)),
            Effect.map((body) => body.error),
            Effect.orElseSucceed(() => "unknown")
          )
          const reason = error === "invalid_client" ? new ClientRefused() : new CodeRefused()
          return yield* loginError(reason, `token: HTTP ${response.status} ${error}`)
        }
        const token = yield* decode("token", TokenAnswer, response)
        return Redacted.make(token.access_token)
      })

      const read = <S extends Schema.Top & { readonly DecodingServices: never }>(what: string, path: string, schema: S) =>
        (token: Redacted.Redacted<string>) =>
          call(what, HttpClientRequest.get(`${endpoints.api}${path}`).pipe(
            HttpClientRequest.acceptJson,
            HttpClientRequest.bearerToken(token)
          )).pipe(
            Effect.flatMap((response) =>
              response.status === 200
                ? decode(what, schema, response)
                : Effect.fail(loginError(new CodeRefused(), `${what}: HTTP ${response.status}`))
            ),
            Effect.withSpan(`DiscordOAuth.${what}`)
          )

      return DiscordOAuth.of({
        settings,
        endpoints,
        exchange,
        user: read("user", "/users/@me", DiscordUser),
        guilds: read("guilds", "/users/@me/guilds", DiscordGuilds)
      })
    })
  ).pipe(Layer.provide(FetchHttpClient.layer))
}
