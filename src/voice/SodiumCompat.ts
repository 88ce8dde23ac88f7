/**
 * @discordjs/voice 0.19.2 encrypts XChaCha20 voice packets with the first crypto package it can
 * `await import()` (sodium-native, sodium, then libsodium-wrappers, …) and calls the cipher functions
 * on the module namespace it gets back. The ES module build of libsodium-wrappers 0.8 exports `ready`
 * and a few helpers by name; the cipher functions exist only on its default export, once `ready` has
 * resolved. So when Discord picks `aead_xchacha20_poly1305_rtpsize`, every packet throws
 * "… is not a function" and no audio goes out.
 *
 * Imported before anything loads @discordjs/voice (src/start.js does so first), this hook hands
 * @discordjs/voice a namespace that has the functions (LibsodiumNamespace.ts). Without
 * libsodium-wrappers installed that namespace fails to load, as the package itself would have, and
 * the library moves on to the next package it knows (e.g. @noble/ciphers).
 */
import { registerHooks } from "node:module"

const namespace = new URL("./LibsodiumNamespace.ts", import.meta.url).href

registerHooks({
  resolve: (specifier, context, nextResolve) =>
    specifier === "libsodium-wrappers" && (context.parentURL ?? "").includes("/@discordjs/voice/")
      ? { url: namespace, shortCircuit: true }
      : nextResolve(specifier, context)
})
