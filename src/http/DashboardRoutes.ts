/**
 * The dashboard's pages, on the bot's own HTTP server:
 *
 * - `GET /dashboard`: the server picker (the guilds of `/api/v1/me`);
 * - `GET /dashboard/{guildId}`: a guild's player, queue, history, playlists and settings;
 * - `GET /dashboard/assets/…`: the page's scripts (app.js, and the lyrics panel and settings form it imports) and style sheet.
 *
 * Each page is a small server-rendered shell (who is logged in, escaped) that the script fills in
 * from the same `/api/v1` a script would use, following the guild's event stream. A login is needed:
 * without one, the browser is sent to `/auth/login`. The pages load nothing from another origin and
 * their Content-Security-Policy says so, so a track title that smuggles markup can neither run script
 * nor call out (the script also only ever writes titles as text).
 */
import { Effect, Option, Redacted } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { readFileSync } from "node:fs"
import { sessionCookie, type SessionHolder } from "./GuildApi.ts"
import { Sessions } from "./Sessions.ts"

/**
 * Same origin only: scripts, styles, images, fetches and the event stream. Guild icons and artwork
 * live on other hosts (Discord's CDN, YouTube…), so they come through the bot (`…/icon`,
 * `…/player/artwork`, Images.ts) and the listener's browser never calls those hosts.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'"
].join("; ")

const pageHeaders = {
  "content-security-policy": contentSecurityPolicy,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store"
}

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c] ?? c)

/** The assets, read once at start-up: they ship with the source, there is no build step. */
const asset = (name: string, contentType: string) => {
  const body = readFileSync(new URL(`./dashboard/${name}`, import.meta.url), "utf8")
  return HttpServerResponse.text(body, {
    contentType,
    headers: { ...pageHeaders, "cache-control": "no-cache" }
  })
}

/** A snowflake, as Discord's guild ids are; anything else is no page of ours. */
const snowflake = /^\d{17,20}$/

/** The shell every page shares; `data-guild` tells the script which page it is on. */
const shell = (session: SessionHolder, title: string, guildId: string | null) =>
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/dashboard/assets/app.css">
<script type="module" src="/dashboard/assets/app.js"></script>
</head>
<body>
<header class="bar">
<a href="/dashboard" class="brand">Reprise</a>
<span class="who">Logged in as ${escapeHtml(session.username)}.</span>
<button type="button" id="logout">Log out</button>
</header>
<p id="error" role="alert" hidden></p>
<main id="app"${guildId === null ? "" : ` data-guild="${escapeHtml(guildId)}"`}><p class="muted">Loading…</p></main>
<noscript><p>The dashboard needs JavaScript.</p></noscript>
</body>
</html>`

export const DashboardRoutes = HttpRouter.use((router) =>
  Effect.gen(function*() {
    const sessions = yield* Sessions
    const script = asset("app.js", "text/javascript; charset=utf-8")
    const lyricsScript = asset("lyrics.js", "text/javascript; charset=utf-8")
    const settingsScript = asset("settings.js", "text/javascript; charset=utf-8")
    const timeScript = asset("time.js", "text/javascript; charset=utf-8")
    const style = asset("app.css", "text/css; charset=utf-8")

    /** The request's session, or none (no cookie, an ended login, or the store unreachable). */
    const session = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const cookie = request.cookies[sessionCookie] ?? ""
      if (cookie === "") return Option.none<SessionHolder>()
      return yield* sessions.authenticate(Redacted.make(cookie)).pipe(Effect.orElseSucceed(Option.none))
    })

    const page = (guildId: string | null) =>
      Effect.map(session, (holder) =>
        Option.match(holder, {
          onNone: () => HttpServerResponse.redirect("/auth/login", { headers: { "cache-control": "no-store" } }),
          onSome: (s) =>
            HttpServerResponse.text(shell(s, guildId === null ? "Reprise: servers" : "Reprise: player", guildId), {
              contentType: "text/html; charset=utf-8",
              headers: pageHeaders
            })
        }))

    const guildPage = Effect.gen(function*() {
      const guildId = (yield* HttpRouter.params)["guildId"] ?? ""
      if (!snowflake.test(guildId)) {
        return HttpServerResponse.text("No such page.", { status: 404, headers: pageHeaders })
      }
      return yield* page(guildId)
    })

    yield* router.add("GET", "/dashboard", page(null))
    yield* router.add("GET", "/dashboard/assets/app.js", Effect.succeed(script))
    yield* router.add("GET", "/dashboard/assets/lyrics.js", Effect.succeed(lyricsScript))
    yield* router.add("GET", "/dashboard/assets/settings.js", Effect.succeed(settingsScript))
    yield* router.add("GET", "/dashboard/assets/time.js", Effect.succeed(timeScript))
    yield* router.add("GET", "/dashboard/assets/app.css", Effect.succeed(style))
    yield* router.add("GET", "/dashboard/:guildId", guildPage)
  })
)
