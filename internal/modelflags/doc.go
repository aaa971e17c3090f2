// Package modelflags is how herd's commands name and load a model: -m (a
// local path, a repository pulled into the hub cache, or the embedded model
// when empty), the flags of the commands that generate (--quant, --kv-type,
// threads, --ctx, attention temperature, sampling, --image files) and the
// loading they drive. Errors in the flags' values are usage errors
// (internal/cli).
package modelflags
