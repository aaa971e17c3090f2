package describe

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// TypeCounts formats counts per type for people, most first (ties by
// name): "Q8_0×54, F32×4"; "none" when empty.
func TypeCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := byValue(m)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// TypeBytes formats bytes per type, largest first: "BF16 1.2 GiB, F32 4.0 MiB",
// with each type's tensor count when count is not nil.
func TypeBytes(bytes map[string]int64, count map[string]int) string {
	keys := byValue(bytes)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + Human(bytes[k])
		if count != nil {
			parts[i] += fmt.Sprintf(" (%d tensors)", count[k])
		}
	}
	return strings.Join(parts, ", ")
}

// byValue returns m's keys, largest value first (ties by key).
func byValue[V cmp.Ordered](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	return keys
}
