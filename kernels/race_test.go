//go:build race

package kernels

// raceEnabled trims the largest test shapes, which the race detector slows ~20×.
const raceEnabled = true
