{
  "targets": [
    {
      "target_name": "aes_gcm_batch",
      "sources": ["src/aes_gcm_batch.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
