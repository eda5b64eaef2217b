//! Real envelope encryption (AES-256-CTR/GCM, key derivation, key wrap, SSE-C, client-side).
