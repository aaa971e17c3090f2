// Package cluster runs one model across several herd processes by pipeline
// parallelism: each process holds a consecutive range of decoder layers, and
// a forward pass moves the batch's hidden states from stage to stage.
//
// The leader (Pipeline, which implements engine.Model) holds the token
// embeddings, the final norm and the LM head, and optionally the first
// layers; each worker (Worker, `herd worker`) holds one range of the later
// layers and the KV cache of those layers for every sequence. The split is
// planned by memory with kvcache's planner (Split), and a worker only accepts
// a range whose weights hash (RangeHash) to what the leader's copy hashes to.
//
// Transport: HTTP/2 over TLS 1.3 from the standard library. Both ends derive
// one Ed25519 key from $HERD_CLUSTER_SECRET (HKDF-SHA256) and present a
// certificate with it; each pins the other's public key, so a process without
// the secret completes no handshake (Auth). Hidden states travel as raw
// little-endian float32, so a pipeline computes what one process computes,
// bit for bit.
package cluster
