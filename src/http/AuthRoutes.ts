/**
 * The dashboard's login with Discord (OAuth2 authorization code, `state` and PKCE S256):
 *
 * - `GET /auth/login` seals a new state and code verifier into a short-lived cookie (Pkce.ts) and
 *   sends the browser to Discord's authorize page with the state and the verifier's challenge;
 * - `GET /auth/callback` opens that cookie, checks the state Discord sent back, trades the code
 *   (with the verifier) for a token, reads the user and their guilds, makes a session (Sessions.ts),
 *   sets its cookie and sends the browser to `/dashboard`;
 * - `POST /auth/logout` (with the session's CSRF token) ends the session and removes its cookie.
 *
 * Every failure is a problem that says what happened; the details go to the log, and no code,
 * token or secret does.
 */
import { Clock, Duration, Effect, Option, Redacted, Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerRespondable, HttpServerResponse } from "effect/http"
import { sessionCookie } from "./GuildApi.ts"
import { BadState, Denied, DiscordOAuth, type LoginError, loginError, NotConfigured, scopes } from "./OAuth.ts"
import { challengeOf, newState, newVerifier, sameSecret, sealer } from "./Pkce.ts"
import { BadGateway, BadRequest, Forbidden, NotFound, Unavailable } from "./Problems.ts"
import { cookieOptions, Sessions, sessionOf } from "./Sessions.ts"

/** The cookie that carries a login attempt from `/auth/login` to `/auth/callback`. */
export const attemptCookie = "reprise_login"

/** How long a login may take on Discord's pages. */
const attemptTtl = Duration.minutes(10)

/** Where a completed login lands. */
export const landing = "/dashboard"

const CallbackQuery = Schema.Struct({
  code: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty(), Schema.isMaxLength(512))),
  state: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(512))),
  error: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(128)))
})

/** The problem a failed login is answered with. */
const loginProblem = (error: LoginError) => {
  const detail = error.message
  switch (error.reason._tag) {
    case "NotConfigured":
      return new NotFound({ detail })
    case "BadState":
    case "CodeRefused":
      return new BadRequest({ detail })
    case "Denied":
      return new Forbidden({ detail })
    case "ClientRefused":
    case "BadAnswer":
      return new BadGateway({ detail })
    case "Unreachable":
    case "StoreUnavailable":
      return new Unavailable({ detail })
  }
}

export const AuthRoutes = HttpRouter.use((router) =>
  Effect.gen(function*() {
    const oauth = yield* DiscordOAuth
    const sessions = yield* Sessions
    const { settings, endpoints } = oauth
    const seal = Option.map(settings.client, (client) => sealer(Redacted.value(client.secret)))
    const attemptOptions = { httpOnly: true, sameSite: "lax", path: "/auth", secure: settings.secureCookies } as const
    const notConfigured = Effect.fail(loginError(new NotConfigured({ missing: settings.missing })))

    /** A failed login as its problem; what went wrong, without secrets, in the log. */
    const answerFailure = (error: LoginError) =>
      Effect.logWarning("dashboard login failed", { reason: error.reason._tag, detail: error.detail ?? "" }).pipe(
        Effect.andThen(HttpServerRespondable.toResponse(loginProblem(error))),
        Effect.map(HttpServerResponse.expireCookieUnsafe(attemptCookie, attemptOptions))
      )

    const login = Effect.gen(function*() {
      if (Option.isNone(seal) || Option.isNone(settings.client)) return yield* notConfigured
      const state = newState()
      const verifier = newVerifier()
      const expiresAt = (yield* Clock.currentTimeMillis) + Duration.toMillis(attemptTtl)
      const authorize = new URL(endpoints.authorize)
      authorize.search = new URLSearchParams({
        response_type: "code",
        client_id: settings.client.value.id,
        scope: scopes,
        state,
        redirect_uri: settings.redirectUri,
        code_challenge: challengeOf(verifier),
        code_challenge_method: "S256"
      }).toString()
      return HttpServerResponse.redirect(authorize, { headers: { "cache-control": "no-store" } }).pipe(
        HttpServerResponse.setCookieUnsafe(attemptCookie, seal.value.seal({ state, verifier, expiresAt }), {
          ...attemptOptions,
          maxAge: attemptTtl
        })
      )
    }).pipe(Effect.catchTag("LoginError", answerFailure), Effect.withSpan("Auth.login"))

    const callback = Effect.gen(function*() {
      if (Option.isNone(seal)) return yield* notConfigured
      const query = yield* HttpServerRequest.schemaSearchParams(CallbackQuery).pipe(
        Effect.mapError((error) => loginError(new BadState(), `callback query: ${error.message}`))
      )
      if (query.error !== undefined) return yield* loginError(new Denied({ error: query.error }))
      const request = yield* HttpServerRequest.HttpServerRequest
      const attempt = Option.flatMap(Option.fromUndefinedOr(request.cookies[attemptCookie]), seal.value.open)
      const now = yield* Clock.currentTimeMillis
      if (Option.isNone(attempt)) return yield* loginError(new BadState(), "no login attempt cookie, or a forged one")
      if (attempt.value.expiresAt < now) return yield* loginError(new BadState(), "the login attempt expired")
      if (query.state === undefined || !sameSecret(query.state, attempt.value.state)) {
        return yield* loginError(new BadState(), "the state does not match the login attempt")
      }
      if (query.code === undefined) return yield* loginError(new BadState(), "the callback has no code")
      const token = yield* oauth.exchange(query.code, attempt.value.verifier)
      const [user, guilds] = yield* Effect.all([oauth.user(token), oauth.guilds(token)], { concurrency: 2 })
      const id = yield* sessions.create(user, guilds.map((guild) => guild.id))
      yield* Effect.logInfo("dashboard login", { userId: user.id, guilds: guilds.length })
      return HttpServerResponse.redirect(landing, { headers: { "cache-control": "no-store" } }).pipe(
        HttpServerResponse.expireCookieUnsafe(attemptCookie, attemptOptions),
        HttpServerResponse.setCookieUnsafe(sessionCookie, Redacted.value(id), cookieOptions(settings, settings.sessionTtl))
      )
    }).pipe(Effect.catchTag("LoginError", answerFailure), Effect.withSpan("Auth.callback"))

    const cookieOf = Effect.map(
      HttpServerRequest.HttpServerRequest,
      (request) => Redacted.make(request.cookies[sessionCookie] ?? "")
    )

    const logout = Effect.gen(function*() {
      const credential = yield* cookieOf
      yield* sessionOf(credential)
      yield* sessions.end(credential)
      return HttpServerResponse.empty({ status: 204 }).pipe(
        HttpServerResponse.expireCookieUnsafe(sessionCookie, cookieOptions(settings, Duration.zero))
      )
    }).pipe(
      Effect.provideService(Sessions, sessions),
      Effect.catchTag(["Unauthorized", "Forbidden", "Unavailable"], HttpServerRespondable.toResponse),
      Effect.withSpan("Auth.logout")
    )

    yield* router.add("GET", "/auth/login", login)
    yield* router.add("GET", "/auth/callback", callback)
    yield* router.add("POST", "/auth/logout", logout)
  })
)
