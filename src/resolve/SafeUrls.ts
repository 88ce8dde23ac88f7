import { type Duration, Effect } from "effect"
import type { FollowedUrl, UrlGuard, UrlGuardError } from "../resilience/UrlGuard.ts"
import { type ResolveError, resolveError, timeoutError, Transient, UnsafeUrl } from "./ResolveError.ts"

/**
 * What a URL-guard failure means to track resolution, decided once for every source: a refused
 * URL is unsafe (and says why); a host that did not answer while redirects were followed is a
 * transient fault or a timeout of the file's server, so retries and breakers count it as one.
 */
export const fromUrlGuard = (source: string) => (error: UrlGuardError): ResolveError => {
  switch (error.reason._tag) {
    case "Refused":
      return resolveError(source, new UnsafeUrl({ message: error.message }))
    case "Unreachable":
      return resolveError(source, new Transient({ message: `Could not reach ${error.reason.host}; please try again.`, detail: error.message }))
    case "TimedOut":
      return timeoutError(source, "The file's server", error.reason.after)
  }
}

/** The URL guard answering in `ResolveError`, on behalf of the source named in each call. */
export interface SafeUrls {
  readonly check: (source: string, url: string) => Effect.Effect<URL, ResolveError>
  readonly followRedirects: (source: string, url: string, timeout: Duration.Input) => Effect.Effect<FollowedUrl, ResolveError>
}

export const safeUrls = (guard: UrlGuard["Service"]): SafeUrls => ({
  check: (source, url) => guard.check(url).pipe(Effect.mapError(fromUrlGuard(source))),
  followRedirects: (source, url, timeout) =>
    guard.followRedirects(url, { timeout }).pipe(Effect.mapError(fromUrlGuard(source)))
})
