// Package cli is the mechanics of a command line with subcommands: the
// command table, flags that may follow positional arguments, help pages,
// usage errors and did-you-mean suggestions. What the commands do lives
// with the commands (cmd/herd).
package cli
