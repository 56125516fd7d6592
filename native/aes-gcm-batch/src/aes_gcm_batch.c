/*
 * AES-256-GCM over many small messages in one call (index.d.ts says what it computes).
 *
 * Why: Node's crypto builds a Cipheriv object per message and crosses into C++ five times
 * (setAAD, update, final, getAuthTag), ~7 µs and a few objects of garbage for a 200-byte
 * message, against ~0.4 µs for the AES-GCM itself; the supervision write path seals two
 * such messages per record (src/supervision/README.md). This is the same cipher from the
 * same library — the OpenSSL Node.js is built with, whose symbols it exports to addons — with
 * one cipher context reused across a batch. Nothing here is cryptography of our own.
 */
#include <limits.h>
#include <node_api.h>
#include <openssl/evp.h>
#include <string.h>

#define IV_LENGTH 12
#define KEY_LENGTH 32
#define TAG_LENGTH 16

/* A typed array's bytes; 0 when the value is none. */
static int bytes_of(napi_env env, napi_value value, unsigned char **data, size_t *length) {
  napi_typedarray_type type;
  size_t elements, offset;
  napi_value buffer;
  void *raw;
  if (napi_get_typedarray_info(env, value, &type, &elements, &raw, &buffer, &offset) != napi_ok) return 0;
  size_t unit = type == napi_uint32_array || type == napi_int32_array || type == napi_float32_array ? 4
    : type == napi_uint16_array || type == napi_int16_array ? 2
    : type == napi_float64_array || type == napi_bigint64_array || type == napi_biguint64_array ? 8 : 1;
  *data = raw;
  *length = elements * unit;
  return 1;
}

static napi_value seal_many(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 7) {
    napi_throw_type_error(env, NULL, "sealMany(keys, ivs, aads, aadLength, plaintext, offsets, out): 7 arguments expected");
    return NULL;
  }
  unsigned char *keys, *ivs, *aads, *plaintext, *offset_bytes, *out;
  size_t keys_length, ivs_length, aads_length, plaintext_length, offsets_length, out_length;
  uint32_t aad_length;
  napi_typedarray_type offsets_type;
  size_t ignored_length, ignored_offset;
  napi_value ignored_buffer;
  void *ignored_data;
  if (!bytes_of(env, argv[0], &keys, &keys_length) || !bytes_of(env, argv[1], &ivs, &ivs_length) || !bytes_of(env, argv[2], &aads, &aads_length) ||
      !bytes_of(env, argv[4], &plaintext, &plaintext_length) || !bytes_of(env, argv[6], &out, &out_length) ||
      napi_get_typedarray_info(env, argv[5], &offsets_type, &ignored_length, &ignored_data, &ignored_buffer, &ignored_offset) != napi_ok ||
      offsets_type != napi_uint32_array || !bytes_of(env, argv[5], &offset_bytes, &offsets_length) ||
      napi_get_value_uint32(env, argv[3], &aad_length) != napi_ok) {
    napi_throw_type_error(env, NULL, "sealMany: keys, ivs, aads, plaintext and out must be byte arrays, aadLength a number and offsets a Uint32Array");
    return NULL;
  }
  if (offsets_length < 4) {
    napi_throw_range_error(env, NULL, "sealMany: offsets must hold n + 1 entries");
    return NULL;
  }
  const uint32_t *offsets = (const uint32_t *)offset_bytes;
  size_t n = offsets_length / 4 - 1;
  /* OpenSSL takes each length as an int. */
  int ordered = offsets[0] == 0 && aad_length <= INT_MAX;
  for (size_t i = 0; ordered && i < n; i++) ordered = offsets[i] <= offsets[i + 1] && offsets[i + 1] - offsets[i] <= INT_MAX;
  if (!ordered || offsets[n] != plaintext_length || keys_length != KEY_LENGTH * n || ivs_length != IV_LENGTH * n ||
      aads_length != (size_t)aad_length * n || out_length != plaintext_length + (IV_LENGTH + TAG_LENGTH) * n) {
    napi_throw_range_error(env, NULL, "sealMany: the lengths of keys, ivs, aads, plaintext, offsets and out do not agree");
    return NULL;
  }
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int ok = ctx != NULL && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1; /* 96-bit IVs: GCM's default */
  unsigned char *at = out;
  int written;
  for (size_t i = 0; ok && i < n; i++) {
    const unsigned char *iv = ivs + IV_LENGTH * i;
    size_t length = offsets[i + 1] - offsets[i];
    memcpy(at, iv, IV_LENGTH);
    at += IV_LENGTH;
    ok = EVP_EncryptInit_ex(ctx, NULL, NULL, keys + KEY_LENGTH * i, iv) == 1 &&
         (aad_length == 0 || EVP_EncryptUpdate(ctx, NULL, &written, aads + (size_t)aad_length * i, (int)aad_length) == 1) &&
         (length == 0 || EVP_EncryptUpdate(ctx, at, &written, plaintext + offsets[i], (int)length) == 1);
    at += length;
    ok = ok && EVP_EncryptFinal_ex(ctx, at, &written) == 1 && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LENGTH, at) == 1;
    at += TAG_LENGTH;
  }
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) napi_throw_error(env, NULL, "sealMany: OpenSSL's AES-256-GCM failed");
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "sealMany", NAPI_AUTO_LENGTH, seal_many, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "sealMany", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
