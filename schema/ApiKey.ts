import { Schema } from "effect"

/**
 * An API key's name as managers type it: what the database keeps (1 to 32 characters), trimmed.
 * Short, because it is how a key is named in `/apikey revoke`, in the audit log and to a script.
 */
export const ApiKeyName = Schema.String.check(Schema.isTrimmed(), Schema.isNonEmpty(), Schema.isMaxLength(32))
export type ApiKeyName = typeof ApiKeyName.Type
