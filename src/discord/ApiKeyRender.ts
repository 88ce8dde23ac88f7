/** How API keys look in Discord: the one reply that shows a new key, the list, and revoking. */
import { EmbedBuilder } from "discord.js"
import { Redacted } from "effect"
import type { CreatedKey, KeyInfo } from "../control/ApiKeys.ts"
import type { Reply } from "./Interaction.ts"
import { escape, when } from "./Render.ts"

const named = (key: Pick<KeyInfo, "name">) => `**${escape(key.name)}**`

/**
 * The reply that hands a new key to its creator alone. It is the one place the key is unwrapped
 * and the only time anyone sees it: the database keeps its hash.
 */
export const createdKeyMessage = (created: CreatedKey): Reply => ({
  content: [
    `Here is the new API key ${named(created)}. Copy it now: it will not be shown again.`,
    "```",
    Redacted.value(created.key),
    "```",
    "Send it with every request to my HTTP API as the header `Authorization: Bearer rpk_…` (the whole key).",
    "It acts as a DJ in this server; `/apikey revoke` turns it off at once."
  ].join("\n"),
  ephemeral: true
})

/** Lines an embed's description holds (4096 characters) with names of 32 characters, escaped. */
const maxListed = 20

const keyLine = (key: KeyInfo) =>
  `• ${named(key)} — made by <@${key.createdBy}> ${when(key.createdAt)} · ${
    key.lastUsedAt === null ? "never used" : `last used ${when(key.lastUsedAt)}`
  }`

export const keyListMessage = (keys: ReadonlyArray<KeyInfo>): Reply => {
  const lines = keys.slice(0, maxListed).map(keyLine)
  const more = keys.length > maxListed ? [`…and ${keys.length - maxListed} more`] : []
  const embed = new EmbedBuilder()
    .setTitle("API keys")
    .setDescription(lines.length === 0 ? "This server has no API keys." : [...lines, ...more].join("\n"))
    .setFooter({ text: "/apikey create makes one (shown once); /apikey revoke turns one off." })
  return { content: "", embeds: [embed], ephemeral: true }
}

export const revokedText = (key: KeyInfo) => `Revoked the API key ${named(key)}: requests with it are refused from now on.`
