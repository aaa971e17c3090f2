package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// typeCounts formats counts per type for people, most first (ties by
// name): "Q8_0×54, F32×4"; "none" when empty.
func typeCounts(m map[string]int) string {
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

// floatList formats values as "0.0123, -0.5", "none" when empty.
func floatList(v []float32) string {
	if len(v) == 0 {
		return "none"
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.4g", x)
	}
	return strings.Join(parts, ", ")
}

// typeBytes formats bytes per type, largest first: "BF16 1.2 GiB, F32 4.0 MiB",
// with each type's tensor count when count is not nil.
func typeBytes(bytes map[string]int64, count map[string]int) string {
	keys := byValue(bytes)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + human(bytes[k])
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
