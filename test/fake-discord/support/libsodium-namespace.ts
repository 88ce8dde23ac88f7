import sodium from "libsodium-wrappers"

// libsodium-wrappers 0.8 exports its functions on `default` only; this namespace lists them by name.
await sodium.ready
export const ready = sodium.ready
export const crypto_aead_xchacha20poly1305_ietf_encrypt = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt
export const crypto_aead_xchacha20poly1305_ietf_decrypt = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt
