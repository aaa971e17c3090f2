// Package notfound is the missing-tensor error the checkpoint formats
// (format/gguf, format/safetensors) share: it names the tensor and where it
// was looked for, and matches its format's sentinel with errors.Is.
package notfound

import "fmt"

// Error reports that tensor Name is not in Where (a file path or a set of
// files). Format prefixes the message ("gguf", "safetensors"); Sentinel is the
// format's exported ErrNotFound, which errors.Is matches.
type Error struct {
	Format, Name, Where string
	Sentinel            error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: tensor %q not found in %s", e.Format, e.Name, e.Where)
}

// Is makes errors.Is(err, e.Sentinel) true.
func (e *Error) Is(target error) bool { return target == e.Sentinel }
