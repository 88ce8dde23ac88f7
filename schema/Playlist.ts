import { Schema } from "effect"

/** A saved playlist's name as users type it: what the database keeps (1 to 100 characters), trimmed. */
export const PlaylistName = Schema.String.check(Schema.isTrimmed(), Schema.isNonEmpty(), Schema.isMaxLength(100))

/** Whose a saved playlist is, as users choose it: their own (in every server), or the server's (shared). */
export const PlaylistScope = Schema.Literals(["user", "guild"])
export type PlaylistScope = typeof PlaylistScope.Type
