import { registerHooks } from "node:module"

/**
 * Pitfall P7: @discordjs/voice 0.19.2 picks libsodium-wrappers for XChaCha20 and calls its functions on the
 * ES module namespace, where 0.8 has only `ready`; every packet then throws "… is not a function". Preloaded
 * with `node --import`, this hands @discordjs/voice a namespace that has the functions.
 */
const namespace = new URL("./libsodium-namespace.ts", import.meta.url).href

registerHooks({
  resolve: (specifier, context, nextResolve) =>
    specifier === "libsodium-wrappers" && (context.parentURL ?? "").includes("/@discordjs/voice/")
      ? { url: namespace, shortCircuit: true }
      : nextResolve(specifier, context)
})
