/**
 * Credentials that must never reach a log line, a span or an error reply: interaction and webhook
 * tokens (they edit the bot's reply for 15 minutes), the bot token, and the query strings of signed
 * links (Discord's attachment links, signed stream URLs). One pure function, applied where text
 * leaves the process (`Logging`, `Tracing`), so no call site has to remember it.
 */

/** What a removed credential reads as. */
export const redacted = "[redacted]"

// An interaction callback is /interactions/<id>/<token>/…, a follow-up or edit /webhooks/<app>/<token>/….
const pathToken = /(\/(?:interactions|webhooks)\/\d+\/)[^/?#\s"'`\\<>]+/g

// Discord's interaction tokens are the base64 of "interaction:<id>:…", wherever they appear.
const bareInteractionToken = /aW50ZXJhY3Rpb246[\w+/=-]+/g

// A bot token after its scheme, as an Authorization header carries it.
const botToken = /\b(Bot\s+)[\w-]{16,}\.[\w-]{4,}\.[\w-]{16,}/g

// A query string: up to whatever ends a URL in prose, JSON or a header.
const query = /\?([^\s"'`\\<>#]*)/g

/**
 * Parameter names that carry a signature, an expiry bound to it, or a credential. A signed link's
 * parts only work together, so one of them is enough to drop the whole query string.
 */
const sensitiveParam =
  /^(?:ex|is|hm|sig|sign|signature|s|token|access_token|refresh_token|id_token|auth|authorization|key|api_key|apikey|hmac|hash|code|secret|password|pass|credential|policy|expires?|hdnts|jwt|session|sid|x-amz-.*|x-goog-.*|key-pair-id|se|sp|sv|sr|st)$/i
const sensitiveWithin = /sig|token|secret|passw|credential|hmac/i

const isSensitive = (queryString: string): boolean =>
  queryString.split("&").some((pair) => {
    const raw = pair.split("=")[0] ?? ""
    let name = raw
    try {
      name = decodeURIComponent(raw)
    } catch {
      // A malformed escape is a name like any other.
    }
    return name !== "" && (sensitiveParam.test(name) || sensitiveWithin.test(name))
  })

/** `text` with every interaction or webhook token, bot token and signed query string replaced by `[redacted]`. */
export const redact = (text: string): string =>
  text
    .replace(pathToken, `$1${redacted}`)
    .replace(bareInteractionToken, redacted)
    .replace(botToken, `$1${redacted}`)
    .replace(query, (whole, params: string) => {
      // Punctuation after a link ends the sentence, not the link.
      const end = /[.,:;!)\]]+$/.exec(params)?.[0] ?? ""
      const own = params.slice(0, params.length - end.length)
      return own !== "" && isSensitive(own) ? `?${redacted}${end}` : whole
    })
