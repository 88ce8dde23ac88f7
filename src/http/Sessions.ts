/**
 * Dashboard sessions: made when a member logs in with Discord, found again from the session cookie
 * on each request, ended by logging out or by SESSION_TTL.
 *
 * A session id is 32 random bytes (43 base64url characters) that only the browser's HttpOnly cookie
 * holds; the database keeps its SHA-256. Every request looks the hash up, so a logout holds from the
 * next request on. A session's CSRF token is an HMAC of its id: the page learns it from
 * `/api/v1/me` and sends it with each change as `X-CSRF-Token`; a page on another site can make the
 * browser send the cookie, but can neither read the token nor compute it.
 */
import { Clock, Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import { type Cookies, HttpServerRequest, type HttpServerResponse } from "effect/http"
import { createHash, createHmac, randomBytes } from "node:crypto"
import type { GuildId } from "../../schema/Ids.ts"
import { SessionRepo } from "../persistence/SessionRepo.ts"
import { RateLimits } from "../resilience/RateLimits.ts"
import { Caller, type SessionHolder } from "./GuildApi.ts"
import { type DiscordUser, type LoginSettings, loginError, type LoginError, StoreUnavailable } from "./OAuth.ts"
import { Forbidden, tooMany, Unauthorized, Unavailable } from "./Problems.ts"
import { sameSecret } from "./Pkce.ts"

/** What `newId` makes; anything else is no session of ours, and is refused without asking the database. */
const idShape = /^[A-Za-z0-9_-]{43}$/

const hashOf = (id: string) => createHash("sha256").update(id, "utf8").digest("hex")

export const csrfTokenOf = (id: string) => createHmac("sha256", id).update("reprise csrf token").digest("base64url")

/** The methods that change something: a session needs its CSRF token for these. */
const unsafeMethods = new Set(["POST", "PUT", "PATCH", "DELETE"])
export const csrfHeader = "x-csrf-token"

/** How the session cookie is set: HttpOnly, SameSite=Lax, for the whole site, Secure behind https. */
export const cookieOptions = (settings: LoginSettings, maxAge: Duration.Duration): Cookies.Cookie["options"] => ({
  httpOnly: true,
  sameSite: "lax",
  path: "/",
  secure: settings.secureCookies,
  maxAge
})

export class Sessions extends Context.Service<Sessions, {
  /** A new session for the user; its id, for the cookie. */
  readonly create: (
    user: DiscordUser,
    guildIds: ReadonlyArray<GuildId>
  ) => Effect.Effect<Redacted.Redacted<string>, LoginError>
  /** The session's holder; none for a malformed, unknown, ended or expired id. Fails when the store does not answer. */
  readonly authenticate: (id: Redacted.Redacted<string>) => Effect.Effect<Option.Option<SessionHolder>, Unavailable>
  /** Ends the session; whether there was one. */
  readonly end: (id: Redacted.Redacted<string>) => Effect.Effect<boolean, Unavailable>
}>()("reprise/http/Sessions") {
  static readonly layer = (settings: LoginSettings) =>
    Layer.effect(
      Sessions,
      Effect.gen(function*() {
        const repo = yield* SessionRepo
        const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))
        /** The session store within two seconds, or unavailable; the cause goes to the log. */
        const stored = <A, E>(effect: Effect.Effect<A, E>) =>
          effect.pipe(
            Effect.timeout("2 seconds"),
            Effect.tapError((error) => Effect.logWarning("sessions are unavailable", error)),
            Effect.mapError(() => new Unavailable({ detail: "Logins cannot be checked right now; try again soon." }))
          )

        const create = Effect.fn("Sessions.create")(function*(user: DiscordUser, guildIds: ReadonlyArray<GuildId>) {
          const id = randomBytes(32).toString("base64url")
          const at = yield* now
          yield* repo.create({
            idHash: hashOf(id),
            userId: user.id,
            username: user.username,
            avatar: user.avatar,
            guildIds,
            at,
            expiresAt: new Date(at.getTime() + Duration.toMillis(settings.sessionTtl))
          }).pipe(
            Effect.timeout("2 seconds"),
            Effect.mapError((error) => loginError(new StoreUnavailable(), String(error)))
          )
          return Redacted.make(id)
        })

        const authenticate = Effect.fn("Sessions.authenticate")(function*(token: Redacted.Redacted<string>) {
          const id = Redacted.value(token)
          // With login turned off, sessions made before stop working too.
          if (!idShape.test(id) || Option.isNone(settings.client)) return Option.none<SessionHolder>()
          const found = yield* stored(repo.byHash(hashOf(id), yield* now))
          return Option.map(found, (session): SessionHolder => ({
            userId: session.userId,
            username: session.username,
            avatar: session.avatar,
            guildIds: session.guildIds,
            csrfToken: csrfTokenOf(id)
          }))
        })

        const end = Effect.fn("Sessions.end")(function*(token: Redacted.Redacted<string>) {
          const id = Redacted.value(token)
          return idShape.test(id) ? yield* stored(repo.remove(hashOf(id))) : false
        })

        return Sessions.of({ create, authenticate, end })
      })
    )
}

const noCredentials = "Send an API key as `Authorization: Bearer rpk_…` (see /apikey create), or log in at /auth/login."

/** The session of the request's cookie, checked for its CSRF token when the request changes something. */
export const sessionOf = Effect.fn("Sessions.sessionOf")(function*(credential: Redacted.Redacted<string>) {
  const sessions = yield* Sessions
  if (Redacted.value(credential) === "") return yield* new Unauthorized({ detail: noCredentials })
  const holder = yield* sessions.authenticate(credential)
  if (Option.isNone(holder)) {
    return yield* new Unauthorized({ detail: "Your login has ended (expired or logged out); log in again at /auth/login." })
  }
  const request = yield* HttpServerRequest.HttpServerRequest
  if (unsafeMethods.has(request.method.toUpperCase())) {
    const sent = request.headers[csrfHeader]
    if (sent === undefined || !sameSecret(sent, holder.value.csrfToken)) {
      return yield* new Forbidden({
        detail: "A change made with a dashboard login needs the X-CSRF-Token header (its value is in /api/v1/me)."
      })
    }
  }
  return holder.value
})

/** The `session` scheme of ApiAuth: the cookie's member, counted against their request budget. */
export const sessionAuth = Effect.gen(function*() {
  const limits = yield* RateLimits
  const sessions = yield* Sessions
  return <E, R>(
    httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | Caller>,
    credential: Redacted.Redacted<string>
  ) =>
    Effect.gen(function*() {
      const holder = yield* sessionOf(credential)
      return yield* limits.consume("api-user", holder.userId).pipe(Effect.matchEffect({
        onFailure: tooMany,
        onSuccess: () => Effect.provideService(httpEffect, Caller, { _tag: "Session", ...holder })
      }))
    }).pipe(Effect.provideService(Sessions, sessions))
})
