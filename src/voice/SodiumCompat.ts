/**
 * FAKE-DISCORD.md pitfall P7: @discordjs/voice 0.19.2 loads libsodium-wrappers for XChaCha20 with
 * `await import()` and calls its functions on the module namespace, where 0.8.x has none: every
 * packet would throw "… is not a function" when Discord picks `aead_xchacha20_poly1305_rtpsize`.
 * Imported before anything loads @discordjs/voice (src/start.js), this hands it a namespace that
 * has them. Without libsodium-wrappers installed the import fails, as it would have, and the
 * library moves on to the next package it knows (e.g. @noble/ciphers).
 */
import { registerHooks } from "node:module"

const namespace = new URL("./LibsodiumNamespace.ts", import.meta.url).href

registerHooks({
  resolve: (specifier, context, nextResolve) =>
    specifier === "libsodium-wrappers" && (context.parentURL ?? "").includes("/@discordjs/voice/")
      ? { url: namespace, shortCircuit: true }
      : nextResolve(specifier, context)
})
