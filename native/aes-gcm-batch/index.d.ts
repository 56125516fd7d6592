/**
 * Encrypts `n` messages with AES-256-GCM (96-bit IVs, 128-bit tags) in one call, where `n` is
 * `offsets.length - 1`. Message `i` is `plaintext[offsets[i], offsets[i + 1])`, encrypted under
 * `keys[32i, 32i + 32)` with IV `ivs[12i, 12i + 12)` and associated data
 * `aads[aadLength·i, aadLength·(i + 1))`. Writes each sealed message as `iv || ciphertext || tag`
 * into `out`, one after the other (message `i` starts at `offsets[i] + 28i`), so `out` must be
 * exactly `offsets[n] + 28n` bytes. Throws a RangeError when the lengths do not agree.
 *
 * Undefined when the addon was not built or does not load on this machine (see `loadError`).
 */
export declare const sealMany: ((keys: Uint8Array, ivs: Uint8Array, aads: Uint8Array, aadLength: number, plaintext: Uint8Array, offsets: Uint32Array, out: Uint8Array) => void) | undefined
/** Why the addon did not load, when it did not. */
export declare const loadError: Error | undefined
