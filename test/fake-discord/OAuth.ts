/**
 * Discord's OAuth2 authorization-code flow, as https://discord.com/developers/docs/topics/oauth2
 * describes it, for the dashboard's login: the authorize page (a form to pick one of the scenario's
 * users and authorize, or cancel), the token exchange with PKCE (S256 or plain), and the two reads
 * an access token allows with `identify guilds` — the user and their guilds.
 */
import { createHash, randomBytes } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { performance } from "node:perf_hooks"
import { userJson } from "./Payloads.ts"
import type { World } from "./State.ts"

export interface OAuthClient {
  readonly clientId: string
  readonly clientSecret: string
}

/** A guild the users are in without the bot: only `/users/@me/guilds` shows it. */
export interface ElsewhereGuild {
  readonly id: string
  readonly name: string
  readonly members: ReadonlyArray<string>
}

export interface OAuthOptions {
  readonly client: OAuthClient
  readonly elsewhere: ReadonlyArray<ElsewhereGuild>
}

interface Grant {
  readonly userId: string
  readonly redirectUri: string
  readonly scope: string
  readonly challenge: string | null
  readonly method: string
  readonly expiresAt: number
}

/** What one authorize decision, token request or read looked like, for tests to check. */
export interface OAuthCall {
  readonly at: number
  readonly method: string
  readonly path: string
  readonly status: number
  /** The form fields of a token request (its secret and verifier included: this is a fake). */
  readonly form: Readonly<Record<string, string>>
}

const codeLifetimeMs = 10 * 60_000
const tokenLifetimeSeconds = 604_800
const token = () => randomBytes(24).toString("base64url")

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c] ?? c)

const readForm = async (req: IncomingMessage): Promise<Record<string, string>> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of req) chunks.push(Buffer.from(chunk as Uint8Array))
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")))
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))

export class OAuth {
  readonly #world: World
  readonly #options: OAuthOptions
  readonly client: OAuthClient
  readonly #codes = new Map<string, Grant>()
  readonly #tokens = new Map<string, { readonly userId: string; readonly scope: string }>()
  readonly calls: Array<OAuthCall> = []
  readonly #faults: Array<{ readonly path: string; readonly status: number; readonly body: unknown }> = []

  constructor(world: World, options: OAuthOptions) {
    this.#world = world
    this.#options = options
    this.client = options.client
  }

  /** The next request to `path` (`/oauth2/token`, `/users/@me`…) is answered with `status` and `body`, once. */
  failNext(path: string, status: number, body: unknown): void {
    this.#faults.push({ path, status, body })
  }

  /** Serves the request when it is one of OAuth2's; false leaves it to the REST API. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const path = url.pathname.replace(/^\/api(\/v\d+)?/, "")
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1]
    const record = (status: number, form: Record<string, string> = {}) =>
      this.calls.push({ at: performance.now(), method: req.method ?? "GET", path, status, form })
    const fault = this.#faults.findIndex((f) => f.path === path)
    if (fault >= 0) {
      const { status, body } = this.#faults.splice(fault, 1)[0]!
      json(res, status, body)
      record(status)
    } else if (url.pathname === "/oauth2/authorize" && req.method === "GET") {
      record(this.#page(url.searchParams, res))
    } else if (url.pathname === "/oauth2/authorize" && req.method === "POST") {
      void readForm(req).then((form) => record(this.#decide(new URLSearchParams(form), res), form))
    } else if (path === "/oauth2/token" && req.method === "POST") {
      void readForm(req).then((form) => record(this.#exchange(form, req.headers.authorization, res), form))
    } else if ((path === "/users/@me" || path === "/users/@me/guilds") && req.method === "GET" && bearer !== undefined) {
      record(this.#read(path, bearer, res))
    } else {
      return false
    }
    return true
  }

  /** Whether the authorize request is one this application may make; the problem otherwise. */
  #invalid(params: URLSearchParams): string | null {
    if (params.get("client_id") !== this.#options.client.clientId) return "Unknown application"
    if (params.get("response_type") !== "code") return "Unsupported response_type"
    if ((params.get("redirect_uri") ?? "") === "") return "Missing redirect_uri"
    const method = params.get("code_challenge_method")
    if (method !== null && method !== "S256" && method !== "plain") return "Invalid code_challenge_method"
    return null
  }

  /** The consent page: choose who you are, then Authorize (or Cancel). */
  #page(params: URLSearchParams, res: ServerResponse): number {
    const invalid = this.#invalid(params)
    if (invalid !== null) {
      res.writeHead(400, { "content-type": "text/html" }).end(`<!doctype html><p>${escapeHtml(invalid)}</p>`)
      return 400
    }
    const hidden = [...params].map(([name, value]) =>
      `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join("")
    const chosen = params.get("user")
    const options = this.#world.scenario.users.map((user) =>
      `<option value="${user.id}"${user.id === chosen ? " selected" : ""}>${escapeHtml(user.username)}</option>`).join("")
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(
      `<!doctype html><meta charset="utf-8"><title>Discord</title>` +
        `<form method="post" action="/oauth2/authorize">${hidden}` +
        `<p>${escapeHtml(this.#world.scenario.bot.username)} wants to access your account (${escapeHtml(params.get("scope") ?? "")}).</p>` +
        `<label>Log in as <select name="user">${options}</select></label>` +
        `<button type="submit" name="decision" value="authorize">Authorize</button>` +
        `<button type="submit" name="decision" value="cancel">Cancel</button></form>`
    )
    return 200
  }

  /** The form's answer: back to the redirect URI with a code, or with `error=access_denied`. */
  #decide(params: URLSearchParams, res: ServerResponse): number {
    const invalid = this.#invalid(params)
    const userId = params.get("user") ?? ""
    if (invalid !== null || !this.#world.users.has(userId)) {
      res.writeHead(400, { "content-type": "text/html" }).end(`<!doctype html><p>${escapeHtml(invalid ?? "Unknown user")}</p>`)
      return 400
    }
    const redirect = new URL(params.get("redirect_uri") ?? "")
    const state = params.get("state")
    if (params.get("decision") === "authorize") {
      const code = token()
      this.#codes.set(code, {
        userId,
        redirectUri: redirect.toString(),
        scope: params.get("scope") ?? "",
        challenge: params.get("code_challenge"),
        method: params.get("code_challenge_method") ?? "plain",
        expiresAt: performance.now() + codeLifetimeMs
      })
      redirect.searchParams.set("code", code)
    } else {
      redirect.searchParams.set("error", "access_denied")
      redirect.searchParams.set("error_description", "The resource owner or authorization server denied the request")
    }
    if (state !== null) redirect.searchParams.set("state", state)
    res.writeHead(302, { location: redirect.toString() }).end()
    return 302
  }

  #exchange(form: Record<string, string>, authorization: string | undefined, res: ServerResponse): number {
    const basic = /^Basic (.+)$/.exec(authorization ?? "")?.[1]
    const [basicId, basicSecret] = basic === undefined ? [] : Buffer.from(basic, "base64").toString("utf8").split(":")
    const clientId = form["client_id"] ?? basicId
    const clientSecret = form["client_secret"] ?? basicSecret
    const fail = (status: number, error: string, description: string) => {
      json(res, status, { error, error_description: description })
      return status
    }
    if (clientId !== this.#options.client.clientId || clientSecret !== this.#options.client.clientSecret) {
      return fail(401, "invalid_client", "Invalid client")
    }
    if (form["grant_type"] !== "authorization_code") return fail(400, "unsupported_grant_type", "Unsupported grant type")
    const grant = this.#codes.get(form["code"] ?? "")
    // A code is good once, whatever comes of the attempt, as Discord's are.
    this.#codes.delete(form["code"] ?? "")
    if (grant === undefined || grant.expiresAt < performance.now()) {
      return fail(400, "invalid_grant", "Invalid \"code\" in request.")
    }
    if (form["redirect_uri"] !== grant.redirectUri) return fail(400, "invalid_grant", "Invalid \"redirect_uri\" in request.")
    if (grant.challenge !== null) {
      const verifier = form["code_verifier"] ?? ""
      const computed = grant.method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier
      if (computed !== grant.challenge) return fail(400, "invalid_grant", "Invalid \"code_verifier\" in request.")
    }
    const access = token()
    this.#tokens.set(access, { userId: grant.userId, scope: grant.scope })
    json(res, 200, {
      access_token: access,
      token_type: "Bearer",
      expires_in: tokenLifetimeSeconds,
      refresh_token: token(),
      scope: grant.scope
    })
    return 200
  }

  #read(path: string, bearer: string, res: ServerResponse): number {
    const grant = this.#tokens.get(bearer)
    const scopes = new Set(grant?.scope.split(" ") ?? [])
    const needed = path === "/users/@me" ? "identify" : "guilds"
    if (grant === undefined || !scopes.has(needed)) {
      json(res, 401, { message: "401: Unauthorized", code: 0 })
      return 401
    }
    const user = this.#world.user(grant.userId)
    if (path === "/users/@me") {
      json(res, 200, { ...userJson(this.#world, user), locale: "en-US", mfa_enabled: false, premium_type: 0 })
      return 200
    }
    const partial = (id: string, name: string, owner: boolean, permissions: bigint) =>
      ({ id, name, icon: null, banner: null, owner, permissions: permissions.toString(), features: [] })
    const withBot = [...this.#world.guilds.values()].filter((guild) => guild.members.has(user.id)).map((guild) =>
      partial(guild.spec.id, guild.spec.name, guild.spec.ownerId === user.id, this.#world.permissions(guild, user.id))
    )
    const elsewhere = this.#options.elsewhere.filter((guild) => guild.members.includes(user.id)).map((guild) =>
      partial(guild.id, guild.name, false, 0n)
    )
    json(res, 200, [...withBot, ...elsewhere])
    return 200
  }
}
