import sodium from "libsodium-wrappers"

// libsodium-wrappers 0.8 puts its functions on `default` only; @discordjs/voice reads them off the
// module namespace. This module is that namespace, with the two functions it calls.
await sodium.ready
export const ready = sodium.ready
export const crypto_aead_xchacha20poly1305_ietf_encrypt = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt
export const crypto_aead_xchacha20poly1305_ietf_decrypt = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt
