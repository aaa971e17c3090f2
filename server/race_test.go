//go:build race

package server

// raceEnabled: the race detector slows code 5–20×, so timing bounds are
// not checked and load tests use smaller inputs.
const raceEnabled = true
